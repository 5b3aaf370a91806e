
# The Project model arrives with the projects issue.
