"""The official Python client of Azure Import/Export against `impexsim serve`.

Usage: official_client.py BASE_URL

The server runs `tests/data/quiet.toml` with `--manual-clock
--no-background --page-size 2`. Driven by tests/it/serve.rs; prints one
line per step and exits non-zero (with the failed check) on any mismatch.
"""

import json
import sys
import urllib.request

from msrest.authentication import BasicTokenAuthentication

from azure.mgmt.storageimportexport import StorageImportExport
from azure.mgmt.storageimportexport.models import (
    DriveStatus,
    ErrorResponseException,
    JobDetails,
    PackageInfomation,
    PutJobParameters,
    ReturnAddress,
    UpdateJobParameters,
)

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
RG_A = "rg-py-a"
RG_B = "rg-py-b"


def step(text):
    print("ok:", text, flush=True)


def check(condition, text):
    if not condition:
        raise SystemExit("FAILED: " + text)


def address():
    return ReturnAddress(
        recipient_name="Python Team",
        street_address1="1 Client Street",
        city="Redmond",
        postal_code="98052",
        country_or_region="USA",
        phone="+1 425 555 0100",
        email="python@example.com",
    )


def package():
    return PackageInfomation(
        carrier_name="FedEx", tracking_number="123456789012", drive_count=2, ship_date="2026-01-05"
    )


def import_job(drives, with_address):
    return PutJobParameters(
        location="West US",
        properties=JobDetails(
            storage_account_id="/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/pyacct"
            % (SUBSCRIPTION, RG_A),
            job_type="Import",
            return_address=address() if with_address else None,
            diagnostics_path="waimportexport",
            log_level="Error",
            backup_drive_manifest=False,
            drive_list=[
                DriveStatus(
                    drive_id=drive,
                    bit_locker_key="key-" + drive,
                    manifest_file="\\DriveManifest.xml",
                    manifest_hash="AB12",
                )
                for drive in drives
            ],
        ),
    )


def advance_clock(base_url, by):
    request = urllib.request.Request(
        base_url + "/impexsim/clock",
        data=json.dumps({"advance": by}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def main(base_url):
    credentials = BasicTokenAuthentication({"access_token": "python-test-token"})
    client = StorageImportExport(credentials, SUBSCRIPTION, base_url=base_url)
    jobs = client.jobs

    first = jobs.create("py-first", RG_A, import_job(["0000A001", "0000A002"], False))
    check(first.properties.state == "Creating", "created Creating: %s" % first.properties.state)
    step("create an import job")

    try:
        jobs.update("py-first", RG_A, UpdateJobParameters(state="Shipping", delivery_package=package()))
        check(False, "Shipping without a return address was accepted")
    except ErrorResponseException as error:
        check(error.response.status_code == 400, "status %s" % error.response.status_code)
        check(error.error.code == "MissingReturnAddress", "code %s" % error.error.code)
        check("returnAddress" in error.error.message, "message %s" % error.error.message)
    step("Shipping without a return address refused with code and message")

    updated = jobs.update("py-first", RG_A, UpdateJobParameters(return_address=address(), delivery_package=package()))
    check(updated.properties.state == "Creating", "still Creating")
    check(updated.properties.return_address.city == "Redmond", "return address echoed")
    check(updated.properties.delivery_package.tracking_number == "123456789012", "package echoed")
    shipped = jobs.update("py-first", RG_A, UpdateJobParameters(state="Shipping"))
    check(shipped.properties.state == "Shipping", "Shipping: %s" % shipped.properties.state)
    step("return address and delivery package set, then Shipping")

    jobs.create("py-second", RG_B, import_job(["0000B001"], True))
    cancelled = jobs.update("py-second", RG_B, UpdateJobParameters(cancel_requested=True))
    check(cancelled.properties.cancel_requested is True, "cancelRequested")
    step("cancellation requested on a second job")

    for name, group in [("py-third", RG_B), ("py-fourth", RG_A), ("py-fifth", RG_A)]:
        jobs.create(name, group, import_job(["0000C001"], True))
    for group, expected in [(RG_A, ["py-fifth", "py-first", "py-fourth"]), (RG_B, ["py-second", "py-third"])]:
        paged = jobs.list_by_resource_group(group)
        names = []
        pages = 0
        while True:
            try:
                page = paged.advance_page()
            except StopIteration:
                break
            pages += 1
            names.extend(job.name for job in page)
            check(pages <= 10, "too many pages")
        check(names == expected, "%s lists %s" % (group, names))
        if group == RG_A:
            check(pages >= 2, "%s in %d pages" % (group, pages))
    everything = [job.name for job in jobs.list_by_subscription()]
    check(len(everything) == 5, "subscription lists %s" % everything)
    top = [job.name for job in jobs.list_by_subscription(top=3)]
    check(len(top) == 3, "$top=3 lists %s" % top)
    step("both resource groups listed across pages, $top over pages")

    keys = list(client.bit_locker_keys.list("py-first", RG_A))
    check(
        [(k.drive_id, k.bit_locker_key) for k in keys]
        == [("0000A001", "key-0000A001"), ("0000A002", "key-0000A002")],
        "keys %s" % [(k.drive_id, k.bit_locker_key) for k in keys],
    )
    step("BitLocker keys read")

    jobs.delete("py-third", RG_B)
    try:
        jobs.get("py-third", RG_B)
        check(False, "a deleted job is still there")
    except ErrorResponseException as error:
        check(error.response.status_code == 404, "status %s" % error.response.status_code)
        check(error.error.code == "ResourceNotFound", "code %s" % error.error.code)
    try:
        jobs.delete("py-first", RG_A)
        check(False, "a Shipping job was deleted")
    except ErrorResponseException as error:
        check(error.response.status_code == 409, "status %s" % error.response.status_code)
    step("a Creating job deleted, a Shipping one refused")

    # Shipped at the start (tests/data/quiet.toml): Transferring from 5d 1h,
    # Completed at 5d 2h 30m 10000s.
    advance_clock(base_url, "5d 2h")
    check(jobs.get("py-first", RG_A).properties.state == "Transferring", "Transferring at 5d 2h")
    advance_clock(base_url, "1d")
    done = jobs.get("py-first", RG_A)
    check(done.properties.state == "Completed", "Completed at 6d 2h: %s" % done.properties.state)
    check(
        [drive.state for drive in done.properties.drive_list] == ["ShippedBack", "ShippedBack"],
        "drives %s" % [drive.state for drive in done.properties.drive_list],
    )
    check(done.properties.percent_complete == 100, "percentComplete")
    step("the manual clock took the first job to Completed")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
