from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.users.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Modelling preferences", {"fields": ("preferred_standard", "print_process", "bed_x_mm", "bed_y_mm")}),
    )
    list_display = ("username", "email", "preferred_standard", "print_process", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "print_process")
