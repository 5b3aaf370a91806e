class StaffSeesDraftsMixin:
    """Visitors see only what is published; staff also see drafts, to check them before publishing.

    For views whose model's manager has `published()`, the one publishing rule.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.request.user.is_staff else queryset.published()
