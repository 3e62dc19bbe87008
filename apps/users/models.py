from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower


class PrintProcess(models.TextChoices):
    FDM = "fdm", "FDM (filament)"
    RESIN = "resin", "Resin (SLA/MSLA)"


class User(AbstractUser):
    """A modeller. Profile preferences live on the user: one row, no join on every request."""

    email = models.EmailField("email address")
    preferred_standard = models.CharField(
        max_length=32, blank=True, default="", help_text="Modelling standard code, e.g. OO-BF, EM, P4."
    )
    print_process = models.CharField(max_length=8, choices=PrintProcess.choices, default=PrintProcess.FDM)
    bed_x_mm = models.PositiveIntegerField(
        default=220, validators=[MinValueValidator(20), MaxValueValidator(2000)], help_text="Printer bed X (mm)"
    )
    bed_y_mm = models.PositiveIntegerField(
        default=220, validators=[MinValueValidator(20), MaxValueValidator(2000)], help_text="Printer bed Y (mm)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="users_user_username_ci_unique"),
        ]


class RevokedSession(models.Model):
    """A logged-out sign-in session. Its `sid` claim is in every access and refresh token issued
    for that sign-in (rotation keeps it), so logout ends the access tokens too, not only the
    refresh token that simplejwt's blacklist covers."""

    sid = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey("users.User", on_delete=models.CASCADE, related_name="+")
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.sid}"
