import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.models import Organisation
from tenants.ownership import organisation_export_counts, organisation_export_stream


class Command(BaseCommand):
    help = "Write all of an organisation's data as JSON (streamed), with a progress bar."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--output", required=True, help="file to write, - for stdout")

    def handle(self, *args: object, org: str, output: str, **options: object) -> None:
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {org!r}.")
        total = sum(organisation_export_counts(organisation=organisation).values())
        target = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
        try:
            with tqdm(total=total, unit="rows", file=sys.stderr, disable=None) as progress:
                for piece in organisation_export_stream(organisation=organisation, by=None):
                    target.write(piece)
                    progress.update(piece.count('"organisation_id": '))
        finally:
            if target is not sys.stdout:
                target.close()
        self.stderr.write(self.style.SUCCESS(f"Exported {total} rows of {organisation.slug}."))
