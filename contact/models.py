
# ContactMessage, BookingRequest and the availability settings arrive with the contact issue.
