//! `ClientStore`: what clients gave for their live jobs (`client::ClientJob`),
//! kept small, since a server holds it for every live job.
//!
//! A job's values are split in two. Its `Profile` (owner, location, storage
//! account, return address and shipping, log settings, export) is usually
//! the same for every job of a customer, so equal profiles are one shared
//! allocation, interned by value and dropped when the last job using it
//! goes. What is the job's own (its name, delivery package, drives and their
//! BitLocker keys) is packed into one byte buffer: numbers as LEB128
//! varints, each optional value behind a varint tag (0 absent, n + 1
//! present), each string as its length and its bytes, except that a string
//! written only in hexadecimal digits, or only in digits and dashes (drive
//! ids, manifest hashes, BitLocker keys, tracking numbers, dates), takes
//! half a byte a character. A kept job is then two pointers and one
//! allocation of about half its own text; `get` unpacks it for Get Job.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use crate::api::{MANIFEST_FILE, PackageInformation};
use crate::serve::client::{ClientJob, GivenDrive, Owner, Profile};

/// What clients gave for their live jobs, by job name.
#[derive(Debug, Default)]
pub struct ClientStore {
    jobs: BTreeSet<PackedJob>,
    /// Every profile some kept job uses, once.
    profiles: HashSet<Arc<Profile>>,
}

impl ClientStore {
    pub fn new() -> ClientStore {
        ClientStore::default()
    }

    /// What the client gave for job `name`, if it gave anything.
    pub fn get(&self, name: &str) -> Option<ClientJob> {
        self.jobs.get(name).map(PackedJob::unpack)
    }

    /// Whose job `name` is, if a client created it.
    pub fn owner(&self, name: &str) -> Option<&Owner> {
        self.jobs.get(name).map(|job| &job.profile.owner)
    }

    /// Keeps `job` for `name`, in place of what was kept for it.
    pub fn insert(&mut self, name: &str, job: ClientJob) {
        let profile = self.intern(Arc::clone(&job.profile));
        let packed = PackedJob::pack(name, profile, &job);
        if let Some(old) = self.jobs.replace(packed) {
            self.release(old);
        }
    }

    /// Forgets job `name`.
    pub fn remove(&mut self, name: &str) {
        if let Some(old) = self.jobs.take(name) {
            self.release(old);
        }
    }

    /// Keeps only the jobs whose name `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.jobs.retain(|job| keep(job.name()));
        self.profiles
            .retain(|profile| Arc::strong_count(profile) > 1);
    }

    /// Forgets every job.
    pub fn clear(&mut self) {
        self.jobs.clear();
        self.profiles.clear();
    }

    /// Jobs kept.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether no job is kept.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Distinct profiles the kept jobs use.
    pub fn profiles(&self) -> usize {
        self.profiles.len()
    }

    /// The kept profile equal to `profile`, or `profile`, now kept.
    fn intern(&mut self, profile: Arc<Profile>) -> Arc<Profile> {
        if let Some(kept) = self.profiles.get(&*profile) {
            return Arc::clone(kept);
        }
        self.profiles.insert(Arc::clone(&profile));
        profile
    }

    /// Drops `job`, and its profile when no other job uses it.
    fn release(&mut self, job: PackedJob) {
        // Held by the set and by `job` alone.
        if Arc::strong_count(&job.profile) == 2 {
            self.profiles.remove(&*job.profile);
        }
    }
}

/// One job's values as kept: its shared profile and its own values packed.
#[derive(Debug)]
struct PackedJob {
    profile: Arc<Profile>,
    /// The name, the delivery package, the drives (module docs).
    own: Box<[u8]>,
}

impl PackedJob {
    fn pack(name: &str, profile: Arc<Profile>, job: &ClientJob) -> PackedJob {
        let mut out = Writer::default();
        out.name(name);
        match &job.delivery_package {
            None => out.num(0),
            Some(package) => {
                out.num(1);
                out.str(&package.carrier_name);
                out.str(&package.tracking_number);
                out.opt_num(package.drive_count.map(u64::from));
                out.opt_str(package.ship_date.as_deref());
            }
        }
        out.num(job.drives.len() as u64);
        for drive in &job.drives {
            out.str(&drive.drive_id);
            out.str(&drive.bit_locker_key);
            // Absent: the default, which nearly every client sends.
            out.opt_str((drive.manifest_file != MANIFEST_FILE).then_some(&*drive.manifest_file));
            out.str(&drive.manifest_hash);
        }
        PackedJob {
            profile,
            own: out.bytes.into_boxed_slice(),
        }
    }

    fn unpack(&self) -> ClientJob {
        let mut own = Reader { bytes: &self.own };
        own.name();
        let delivery_package = (own.num() == 1).then(|| PackageInformation {
            carrier_name: Cow::Owned(own.str()),
            tracking_number: own.str(),
            drive_count: own
                .opt_num()
                .map(|count| u32::try_from(count).expect("packed from a u32")),
            ship_date: own.opt_str(),
        });
        let drives = (0..own.num())
            .map(|_| GivenDrive {
                drive_id: own.str(),
                bit_locker_key: own.str(),
                manifest_file: own
                    .opt_str()
                    .map_or(Cow::Borrowed(MANIFEST_FILE), Cow::Owned),
                manifest_hash: own.str(),
            })
            .collect();
        ClientJob {
            profile: Arc::clone(&self.profile),
            delivery_package,
            drives,
        }
    }

    fn name(&self) -> &str {
        Reader { bytes: &self.own }.name()
    }
}

/// Ordered, and found, by name.
impl Borrow<str> for PackedJob {
    fn borrow(&self) -> &str {
        self.name()
    }
}

impl PartialEq for PackedJob {
    fn eq(&self, other: &PackedJob) -> bool {
        self.name() == other.name()
    }
}

impl Eq for PackedJob {}

impl PartialOrd for PackedJob {
    fn partial_cmp(&self, other: &PackedJob) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PackedJob {
    fn cmp(&self, other: &PackedJob) -> Ordering {
        self.name().cmp(other.name())
    }
}

/// The alphabets of the strings packed two characters a byte (module
/// docs): hexadecimal in either case (drive ids, manifest hashes), digits
/// and dashes (BitLocker keys, tracking numbers, dates). A string's kind is
/// 0 (its bytes as they are) or 1 + its alphabet's index.
const ALPHABETS: [&[u8]; 3] = [b"0123456789ABCDEF", b"0123456789abcdef", b"0123456789-"];

/// Packs values into bytes (module docs).
#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn num(&mut self, mut n: u64) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }

    fn opt_num(&mut self, n: Option<u64>) {
        self.num(n.map_or(0, |n| n + 1));
    }

    /// The name: its length and bytes, so it is read without a copy.
    fn name(&mut self, text: &str) {
        self.num(text.len() as u64);
        self.bytes.extend_from_slice(text.as_bytes());
    }

    fn str(&mut self, text: &str) {
        self.opt_str(Some(text));
    }

    /// Tag 0: absent; else 1 + (length << 2 | kind), then the string.
    fn opt_str(&mut self, text: Option<&str>) {
        let Some(text) = text else {
            self.num(0);
            return;
        };
        let bytes = text.as_bytes();
        let alphabet = (!bytes.is_empty())
            .then(|| {
                ALPHABETS
                    .iter()
                    .position(|alphabet| bytes.iter().all(|b| alphabet.contains(b)))
            })
            .flatten();
        let kind = alphabet.map_or(0, |index| index as u64 + 1);
        self.num(((bytes.len() as u64) << 2 | kind) + 1);
        match alphabet {
            None => self.bytes.extend_from_slice(bytes),
            Some(index) => {
                let symbol = |b: &u8| {
                    ALPHABETS[index]
                        .iter()
                        .position(|a| a == b)
                        .expect("a byte of the alphabet") as u8
                };
                for pair in bytes.chunks(2) {
                    let high = symbol(&pair[0]) << 4;
                    let low = pair.get(1).map_or(0, symbol);
                    self.bytes.push(high | low);
                }
            }
        }
    }
}

/// Reads what `Writer` packed, in the same order.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn num(&mut self) -> u64 {
        let mut n = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first().expect("a packed number");
            self.bytes = rest;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        n
    }

    fn opt_num(&mut self) -> Option<u64> {
        self.num().checked_sub(1)
    }

    fn take(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        taken
    }

    fn name(&mut self) -> &'a str {
        let len = self.num() as usize;
        std::str::from_utf8(self.take(len)).expect("packed from a str")
    }

    fn str(&mut self) -> String {
        self.opt_str().expect("a packed string")
    }

    fn opt_str(&mut self) -> Option<String> {
        let tag = self.num().checked_sub(1)?;
        let (len, kind) = ((tag >> 2) as usize, tag & 3);
        let Some(alphabet) = kind.checked_sub(1).map(|index| ALPHABETS[index as usize]) else {
            let bytes = self.take(len);
            return Some(
                std::str::from_utf8(bytes)
                    .expect("packed from a str")
                    .to_string(),
            );
        };
        let packed = self.take(len.div_ceil(2));
        let text = (0..len)
            .map(|i| {
                let nibble = (packed[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
                char::from(alphabet[usize::from(nibble)])
            })
            .collect();
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::api::job::BlobList;
    use crate::api::{Export, ReturnShipping};

    fn profile(subscription: &str) -> Profile {
        Profile {
            owner: Owner {
                subscription: subscription.to_string(),
                resource_group: "rg".to_string(),
            },
            location: Some("West US".into()),
            storage_account_id: "/subscriptions/s/storageAccounts/a".to_string(),
            return_address: None,
            return_shipping: Some(ReturnShipping {
                carrier_name: "DHL".into(),
                carrier_account_number: "99".to_string(),
            }),
            diagnostics_path: "waimportexport".into(),
            log_level: "Error".into(),
            backup_drive_manifest: false,
            export: Some(Export {
                blob_list: BlobList {
                    blob_path_prefix: vec!["/a/".to_string()],
                },
            }),
        }
    }

    fn drive(id: &str, manifest_file: &str) -> GivenDrive {
        GivenDrive {
            drive_id: id.to_string(),
            bit_locker_key: format!("key of {id} é"),
            manifest_file: Cow::Owned(manifest_file.to_string()),
            manifest_hash: String::new(),
        }
    }

    fn job(subscription: &str) -> ClientJob {
        ClientJob {
            profile: Arc::new(profile(subscription)),
            delivery_package: None,
            drives: Vec::new(),
        }
    }

    #[test]
    fn a_kept_job_unpacks_as_it_was_given() {
        let mut store = ClientStore::new();
        let packages = [
            None,
            Some(PackageInformation {
                carrier_name: "UPS".into(),
                tracking_number: "1".repeat(200),
                drive_count: Some(u32::MAX),
                ship_date: Some("2026-01-07".to_string()),
            }),
            Some(PackageInformation {
                carrier_name: "".into(),
                tracking_number: String::new(),
                drive_count: Some(0),
                ship_date: None,
            }),
        ];
        let drive_lists = [
            vec![],
            vec![
                drive("0000000A", MANIFEST_FILE),
                drive("0000000b", "\\other.xml"),
            ],
            vec![drive("", "")],
        ];
        for (i, package) in packages.iter().enumerate() {
            for (j, drives) in drive_lists.iter().enumerate() {
                let name = format!("job-{i}-{j}");
                let given = ClientJob {
                    delivery_package: package.clone(),
                    drives: drives.clone(),
                    ..job("s")
                };
                store.insert(&name, given.clone());
                assert_eq!(store.get(&name), Some(given), "{name}");
            }
        }
        assert_eq!((store.len(), store.profiles()), (9, 1));
        assert_eq!(store.get("job-9-9"), None);
        assert_eq!(store.owner("job-0-0").unwrap().subscription, "s");
    }

    #[test]
    fn a_job_of_the_readme_recipe_packs_into_135_bytes() {
        let put: crate::api::PutJobBody = serde_json::from_str(
            r#"{"location":"West US","properties":{"storageAccountId":"/subscriptions/s/storageAccounts/a",
                "jobType":"Import","driveList":[
                {"driveId":"01FCE552","bitLockerKey":"384824-252670-478214-157960-719488-674993-402369-712151",
                 "manifestFile":"\\DriveManifest.xml","manifestHash":"96FF9FE3AE3D09951A300ABCC59E6D2B"},
                {"driveId":"A4F7896C","bitLockerKey":"663707-615043-031746-072061-210166-641740-381425-093269",
                 "manifestFile":"\\DriveManifest.xml","manifestHash":"CE5872A312EFBABFF19E478668168833"}]}}"#,
        )
        .unwrap();
        let update: crate::api::UpdateJobBody = serde_json::from_str(
            r#"{"properties":{"state":"Shipping","deliveryPackage":{"carrierName":"DHL",
                "trackingNumber":"1431624857","driveCount":2,"shipDate":"2026-01-07"}}}"#,
        )
        .unwrap();
        let owner = profile("s").owner;
        let mut job = ClientJob::from_put(owner, put);
        let request = crate::serve::client::update_request(&update).unwrap();
        job.update(update, request);
        let packed = PackedJob::pack("j000000", Arc::clone(&job.profile), &job);
        // Name 1 + 7. Package: tag 1, `DHL` 1 + 3, tracking number 1 + 5,
        // drive count 1, ship date 1 + 5. Drive count 1. Each drive: id
        // 1 + 4, key 2 + 28, the default manifest file 1, hash 2 + 16.
        assert_eq!(packed.own.len(), 8 + 18 + 1 + 2 * 54);
        assert_eq!(packed.unpack(), job);
    }

    #[test]
    fn numbers_of_every_width_round_trip() {
        let numbers = [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ];
        let mut out = Writer::default();
        for n in numbers {
            out.num(n);
            out.opt_num(Some(n.saturating_sub(1)));
        }
        let mut back = Reader { bytes: &out.bytes };
        for n in numbers {
            assert_eq!(back.num(), n);
            assert_eq!(back.opt_num(), Some(n.saturating_sub(1)));
        }
        assert!(back.bytes.is_empty());
    }

    fn round_trip(text: &str) -> (String, usize) {
        let mut out = Writer::default();
        out.str(text);
        out.opt_str(None);
        let mut back = Reader { bytes: &out.bytes };
        let read = back.str();
        assert_eq!(back.opt_str(), None);
        assert!(back.bytes.is_empty());
        (read, out.bytes.len() - 1)
    }

    #[test]
    fn strings_of_the_short_alphabets_take_half_a_byte_a_character() {
        let key = "384824-252670-478214-157960-719488-674993-402369-712151";
        // 55 characters: the tag (55 << 2 | 3) + 1 = 224 in two varint
        // bytes, then 28 bytes.
        assert_eq!(round_trip(key), (key.to_string(), 2 + 28));
        assert_eq!(round_trip("01FCE552"), ("01FCE552".to_string(), 1 + 4));
        assert_eq!(round_trip("01fce55"), ("01fce55".to_string(), 1 + 4));
        // Mixed case, other characters, the empty string: as they are.
        for text in ["01FcE552", "j000001", "2026-01-07T00:00", "", "é-1"] {
            assert_eq!(
                round_trip(text),
                (text.to_string(), 1 + text.len()),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_round_trips(text in "[0-9A-F-]{0,40}|[0-9a-f]{0,40}|\\PC{0,30}") {
            proptest::prop_assert_eq!(round_trip(&text).0, text);
        }
    }

    #[test]
    fn equal_profiles_are_kept_once_until_their_last_job_goes() {
        let mut store = ClientStore::new();
        store.insert("a", job("s1"));
        store.insert("b", job("s1"));
        store.insert("c", job("s2"));
        assert_eq!(store.profiles(), 2);
        let (a, b) = (store.get("a").unwrap(), store.get("b").unwrap());
        assert!(Arc::ptr_eq(&a.profile, &b.profile));
        drop((a, b));
        store.remove("a");
        assert_eq!(store.profiles(), 2);
        store.remove("b");
        assert_eq!(store.profiles(), 1);
        // A job whose profile changes moves to the new one.
        let mut c = store.get("c").unwrap();
        Arc::make_mut(&mut c.profile).log_level = "Verbose".into();
        store.insert("c", c);
        assert_eq!(store.profiles(), 1);
        assert_eq!(store.get("c").unwrap().profile.log_level, "Verbose");
        store.insert("d", job("s3"));
        store.retain(|name| name == "d");
        assert_eq!((store.len(), store.profiles()), (1, 1));
        store.clear();
        assert!(store.is_empty());
        assert_eq!(store.profiles(), 0);
    }
}
