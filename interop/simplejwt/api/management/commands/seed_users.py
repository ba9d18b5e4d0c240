"""Create the two fixed test accounts in an empty database.

alice / Ab12345678 is active and must get id 1; bob / Bb12345678 is inactive.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the test users alice (active, id 1) and bob (inactive)."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            raise CommandError("the user table is not empty; start from a fresh database")
        alice = User.objects.create_user(username="alice", password="Ab12345678")
        bob = User.objects.create_user(username="bob", password="Bb12345678")
        bob.is_active = False
        bob.save(update_fields=["is_active"])
        if alice.pk != 1:
            raise CommandError("alice got id %r instead of 1" % alice.pk)
        self.stdout.write("users: alice id=%d (active), bob id=%d (inactive)" % (alice.pk, bob.pk))
