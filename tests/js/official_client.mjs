// The official JavaScript client of Azure Import/Export
// (@azure/arm-storageimportexport, api-version 2021-01-01) against
// `impexsim serve`.
//
// Usage: node official_client.mjs BASE_URL
//
// The server runs `tests/data/quiet.toml` with `--manual-clock
// --no-background --page-size 2`. Driven by tests/it/serve.rs; prints one
// line per step and exits non-zero (with the failed check) on any mismatch.
// The same steps as tests/python/official_client.py, in other resource
// groups.

import assert from "node:assert/strict";
import { StorageImportExport } from "@azure/arm-storageimportexport";

const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
const RG_A = "rg-js-a";
const RG_B = "rg-js-b";

const step = (text) => console.log(`ok: ${text}`);

/**
 * The client. The lines between the README markers are the README's
 * JavaScript example (tests/it/docs.rs checks they are the same).
 */
function connect(endpoint) {
  // README: begin
  // No Azure identity: any token will do. The SDK's bearer policy refuses
  // plain HTTP whatever the options, so a policy of your own sets the header.
  const credential = {
    getToken: async () => ({ token: "any-token", expiresOnTimestamp: Date.now() + 3600e3 }),
  };
  const client = new StorageImportExport(credential, "11111111-2222-3333-4444-555555555555", {
    endpoint,
    allowInsecureConnection: true,
    additionalPolicies: [{
      position: "perCall",
      policy: {
        name: "plainHttpBearer",
        async sendRequest(request, next) {
          const { token } = await credential.getToken(`${endpoint}/.default`);
          request.headers.set("Authorization", `Bearer ${token}`);
          return next(request);
        },
      },
    }],
  });
  client.pipeline.removePolicy({ name: "bearerTokenAuthenticationPolicy" });
  // README: end
  return client;
}

const address = () => ({
  recipientName: "JavaScript Team",
  streetAddress1: "1 Client Street",
  city: "Redmond",
  postalCode: "98052",
  countryOrRegion: "USA",
  phone: "+1 425 555 0100",
  email: "javascript@example.com",
});

const deliveryPackage = () => ({
  carrierName: "FedEx",
  trackingNumber: "123456789012",
  driveCount: 2,
  shipDate: "2026-01-05",
});

const importJob = (drives, withAddress) => ({
  location: "West US",
  properties: {
    storageAccountId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG_A}/providers/Microsoft.Storage/storageAccounts/jsacct`,
    jobType: "Import",
    returnAddress: withAddress ? address() : undefined,
    diagnosticsPath: "waimportexport",
    logLevel: "Error",
    backupDriveManifest: false,
    driveList: drives.map((driveId) => ({
      driveId,
      bitLockerKey: `key-${driveId}`,
      manifestFile: "\\DriveManifest.xml",
      manifestHash: "AB12",
    })),
  },
});

/** Moves the manual clock (an impexsim route, not part of the SDK). */
async function advanceClock(baseUrl, by) {
  const answer = await fetch(`${baseUrl}/impexsim/clock`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ advance: by }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await answer.text();
  assert.equal(answer.status, 200, `clock: ${text}`);
  return JSON.parse(text);
}

/** Runs `call`, which must fail with an ARM error of `status` and `code`. */
async function refused(call, status, code) {
  try {
    await call();
  } catch (error) {
    assert.equal(error.name, "RestError", String(error));
    assert.equal(error.statusCode, status, String(error));
    assert.equal(error.code, code, String(error));
    return error;
  }
  assert.fail(`accepted, expected ${status} ${code}`);
}

/** The names of a listing, page by page, at most ten pages. */
async function pages(iterator) {
  const names = [];
  for await (const page of iterator.byPage()) {
    names.push(page.map((job) => job.name));
    assert.ok(names.length <= 10, "too many pages");
  }
  return names;
}

async function main(baseUrl) {
  const client = connect(baseUrl);
  const jobs = client.jobs;

  const first = await jobs.create("js-first", RG_A, importJob(["0000A001", "0000A002"], false));
  assert.equal(first.name, "js-first");
  assert.equal(first.location, "West US");
  assert.equal(first.properties.state, "Creating");
  assert.equal(first.properties.jobType, "Import");
  assert.deepEqual(
    first.properties.driveList.map((drive) => drive.driveId),
    ["0000A001", "0000A002"],
  );
  const got = await jobs.get("js-first", RG_A);
  assert.equal(got.id, first.id);
  assert.match(got.id, new RegExp(`/resourceGroups/${RG_A}/providers/Microsoft.ImportExport/jobs/js-first$`));
  assert.equal(got.properties.state, "Creating");
  assert.equal(got.properties.diagnosticsPath, "waimportexport");
  step("create an import job and get it");

  const missing = await refused(
    () => jobs.update("js-first", RG_A, { state: "Shipping", deliveryPackage: deliveryPackage() }),
    400,
    "MissingReturnAddress",
  );
  assert.match(missing.message, /returnAddress/);
  step("Shipping without a return address refused with code and message");

  const updated = await jobs.update("js-first", RG_A, {
    returnAddress: address(),
    deliveryPackage: deliveryPackage(),
  });
  assert.equal(updated.properties.state, "Creating");
  assert.equal(updated.properties.returnAddress.city, "Redmond");
  assert.equal(updated.properties.returnAddress.recipientName, "JavaScript Team");
  assert.equal(updated.properties.deliveryPackage.trackingNumber, "123456789012");
  assert.equal(updated.properties.deliveryPackage.carrierName, "FedEx");
  const shipped = await jobs.update("js-first", RG_A, { state: "Shipping" });
  assert.equal(shipped.properties.state, "Shipping");
  step("return address and delivery package set, then Shipping");

  await jobs.create("js-second", RG_B, importJob(["0000B001"], true));
  const cancelled = await jobs.update("js-second", RG_B, { cancelRequested: true });
  assert.equal(cancelled.properties.cancelRequested, true);
  step("cancellation requested on a second job");

  for (const [name, group] of [["js-third", RG_B], ["js-fourth", RG_A], ["js-fifth", RG_A]]) {
    await jobs.create(name, group, importJob(["0000C001"], true));
  }
  // --page-size 2: three jobs come in two pages, each nextLink followed.
  assert.deepEqual(await pages(jobs.listByResourceGroup(RG_A)), [["js-fifth", "js-first"], ["js-fourth"]]);
  assert.deepEqual(await pages(jobs.listByResourceGroup(RG_B)), [["js-second", "js-third"]]);
  const everything = (await pages(jobs.listBySubscription())).flat();
  assert.deepEqual(everything.toSorted(), ["js-fifth", "js-first", "js-fourth", "js-second", "js-third"]);
  const top = await pages(jobs.listBySubscription({ top: 3 }));
  assert.deepEqual(top.map((page) => page.length), [2, 1], `$top=3 lists ${JSON.stringify(top)}`);
  const shipping = (await pages(jobs.listBySubscription({ filter: "state eq 'Shipping'" }))).flat();
  assert.deepEqual(shipping, ["js-first"]);
  step("both resource groups listed across pages, $top and $filter over pages");

  const keys = [];
  for await (const key of client.bitLockerKeys.list("js-first", RG_A)) {
    keys.push([key.driveId, key.bitLockerKey]);
  }
  assert.deepEqual(keys, [["0000A001", "key-0000A001"], ["0000A002", "key-0000A002"]]);
  step("BitLocker keys read");

  await jobs.delete("js-third", RG_B);
  await refused(() => jobs.get("js-third", RG_B), 404, "ResourceNotFound");
  const conflict = await refused(() => jobs.delete("js-first", RG_A), 409, "InvalidJobState");
  assert.match(conflict.message, /Shipping/);
  step("a Creating job deleted, a Shipping one refused");

  // Shipped at the start (tests/data/quiet.toml): Transferring from 5d 1h,
  // Completed at 5d 2h 30m 10000s.
  await advanceClock(baseUrl, "5d 2h");
  assert.equal((await jobs.get("js-first", RG_A)).properties.state, "Transferring");
  const clock = await advanceClock(baseUrl, "1d");
  assert.equal(clock.time, "2026-01-11T02:00:00.000Z", JSON.stringify(clock));
  const done = await jobs.get("js-first", RG_A);
  assert.equal(done.properties.state, "Completed");
  assert.deepEqual(
    done.properties.driveList.map((drive) => drive.state),
    ["ShippedBack", "ShippedBack"],
  );
  assert.equal(done.properties.percentComplete, 100);
  step("the manual clock took the first job to Completed");
}

const baseUrl = process.argv[2]?.replace(/\/$/, "");
if (!baseUrl) {
  console.error("usage: node official_client.mjs BASE_URL");
  process.exit(2);
}
try {
  await main(baseUrl);
} catch (error) {
  console.error(`FAILED: ${error.stack ?? error}`);
  process.exit(1);
}
