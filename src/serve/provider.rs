//! The provider's own resources: `GET /providers/Microsoft.ImportExport/locations`
//! (+ `/{name}`) and `/operations`.
//!
//! The locations are the Azure regions whose customers the fake data
//! invents (`fixtures::fake`); their shipping addresses are invented too
//! (street names of the same made-up kind, real cities), never a real data
//! centre's.

use crate::api::list::{LocationProperties, OperationDisplay};
use crate::api::{Location, Operation};

/// (ARM name, display name, recipient, street, city, state, postal code, country, phone, carriers)
type Site = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const SITES: [Site; 5] = [
    (
        "westus",
        "West US",
        "Microsoft Azure Import/Export Service",
        "4100 Larkspur Way",
        "Quincy",
        "WA",
        "98848",
        "USA",
        "+1 509 555 0100",
        &["FedEx", "UPS", "DHL"],
    ),
    (
        "eastus",
        "East US",
        "Microsoft Azure Import/Export Service",
        "21 Marrowfield Road",
        "Boydton",
        "VA",
        "23917",
        "USA",
        "+1 434 555 0100",
        &["FedEx", "UPS", "DHL"],
    ),
    (
        "centralus",
        "Central US",
        "Microsoft Azure Import/Export Service",
        "880 Thistledown Drive",
        "Des Moines",
        "IA",
        "50309",
        "USA",
        "+1 515 555 0100",
        &["FedEx", "UPS", "DHL"],
    ),
    (
        "uksouth",
        "UK South",
        "Microsoft Azure Import/Export Service",
        "7 Hazelbrook Lane",
        "London",
        "Greater London",
        "E14 5AB",
        "United Kingdom",
        "+44 20 7946 0100",
        &["DHL", "Royal Mail"],
    ),
    (
        "australiaeast",
        "Australia East",
        "Microsoft Azure Import/Export Service",
        "55 Wattlegrove Street",
        "Sydney",
        "NSW",
        "2000",
        "Australia",
        "+61 2 5550 0100",
        &["DHL"],
    ),
];

/// Every location.
pub fn locations() -> Vec<Location> {
    SITES.iter().map(location).collect()
}

/// The location named `name` (its ARM name such as `westus`, or its
/// display name, without regard to case).
pub fn find_location(name: &str) -> Option<Location> {
    SITES
        .iter()
        .find(|site| site.0.eq_ignore_ascii_case(name) || site.1.eq_ignore_ascii_case(name))
        .map(location)
}

fn location(site: &Site) -> Location {
    let &(name, display, recipient, street, city, state, postal, country, phone, carriers) = site;
    Location {
        id: format!("/providers/Microsoft.ImportExport/locations/{name}"),
        name: display.to_string(),
        resource_type: "Microsoft.ImportExport/locations",
        properties: LocationProperties {
            recipient_name: recipient,
            street_address1: street,
            city,
            state_or_province: state,
            postal_code: postal,
            country_or_region: country,
            phone,
            supported_carriers: carriers.to_vec(),
            alternate_locations: Vec::new(),
        },
    }
}

/// The provider's operations.
pub fn operations() -> Vec<Operation> {
    let operation = |name, resource, operation, description| Operation {
        name,
        display: OperationDisplay {
            provider: "Microsoft Import/Export",
            resource,
            operation,
            description,
        },
    };
    vec![
        operation(
            "Microsoft.ImportExport/locations/read",
            "Locations",
            "Read Locations",
            "Gets the locations of the data centres drives are shipped to.",
        ),
        operation(
            "Microsoft.ImportExport/jobs/write",
            "Jobs",
            "Create or Update Job",
            "Creates a job or updates its properties.",
        ),
        operation(
            "Microsoft.ImportExport/jobs/read",
            "Jobs",
            "Read Jobs",
            "Gets jobs and their state.",
        ),
        operation(
            "Microsoft.ImportExport/jobs/listBitLockerKeys/action",
            "Jobs",
            "Get BitLocker Keys",
            "Gets the BitLocker keys of a job's drives.",
        ),
        operation(
            "Microsoft.ImportExport/jobs/delete",
            "Jobs",
            "Delete Job",
            "Deletes a job.",
        ),
    ]
}
