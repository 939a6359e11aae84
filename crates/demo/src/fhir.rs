//! The referral service's FHIR API, as a GP system calls it: `POST /fhir/ServiceRequest` with
//! a UK Core `ServiceRequest`, answered `201 Created`, or `409 Conflict` when the client-chosen
//! id was used before (an earlier run); and `GET /fhir/Task/{id}` to see whether it was.

use std::time::Duration;

use bytes::Bytes;
use chrono::NaiveDate;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::calls::{Caller, Written};
use crate::error::DemoError;
use crate::people::Person;
use crate::taxonomy::TERMS;

/// SNOMED CT's FHIR system.
const SNOMED: &str = "http://snomed.info/sct";
/// Referral to social prescribing service (procedure).
const REFERRAL_TO_SOCIAL_PRESCRIBING: &str = "871731000000106";
/// NHS numbers.
const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// ODS organisation codes.
const ODS: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Client-chosen referral ids.
const REFERRAL_ID: &str = "https://linkwork.nhs.uk/Id/referral";
/// UK Core's ethnic category extension on a Patient, and the code system of the NHS Data
/// Dictionary's categories.
const ETHNIC_CATEGORY: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory";
const ETHNIC_CATEGORY_ENGLAND: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland";
/// Consent extensions.
const CONSENT_PROVIDERS: &str =
    "https://linkwork.nhs.uk/fhir/StructureDefinition/Extension-ConsentShareWithProviders";
const CONSENT_OUTCOME: &str =
    "https://linkwork.nhs.uk/fhir/StructureDefinition/Extension-ConsentShareOutcome";
const CONSENT_DEVICE_DATA: &str =
    "https://linkwork.nhs.uk/fhir/StructureDefinition/Extension-ConsentShareDeviceData";

/// Tries of a request whose connection failed.
const ATTEMPTS: u32 = 6;
/// The longest one request may take.
const TIMEOUT: Duration = Duration::from_secs(60);
/// How much of a refusal's body an error keeps.
const BODY_SHOWN: usize = 600;

/// A client of one instance's FHIR API.
#[derive(Debug, Clone)]
pub(crate) struct Fhir {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Fhir {
    /// The API under `base` (`http://host:port`).
    pub(crate) fn new(base: &str) -> Result<Self, DemoError> {
        let base = base.trim_end_matches('/');
        let invalid = |reason: &str| DemoError::Target {
            address: base.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = base.parse().map_err(|_| invalid("not a URL"))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(invalid("expected http://host:port"));
        }
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: base.to_owned(),
        })
    }

    /// Posts `resource` as a new `ServiceRequest` from `caller`.
    pub(crate) async fn create_service_request(
        &self,
        caller: &Caller,
        resource: &Value,
        step: &str,
    ) -> Result<Written, DemoError> {
        let url = format!("{}/fhir/ServiceRequest", self.base);
        let body = Bytes::from(resource.to_string());
        let (status, answer) = self.send(Method::POST, &url, caller, body, step).await?;
        match status {
            StatusCode::CREATED => Ok(Written::Created),
            StatusCode::CONFLICT => Ok(Written::Existing),
            _ => Err(refused(step, status, &answer)),
        }
    }

    /// Whether the referral `referral_id` exists, as `caller` (a party to it) sees it: a
    /// re-run asks first rather than sending the person's NHS number again.
    pub(crate) async fn task_exists(
        &self,
        caller: &Caller,
        referral_id: &str,
        step: &str,
    ) -> Result<bool, DemoError> {
        let url = format!("{}/fhir/Task/{referral_id}", self.base);
        let (status, answer) = self
            .send(Method::GET, &url, caller, Bytes::new(), step)
            .await?;
        match status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(refused(step, status, &answer)),
        }
    }

    /// Sends one request as `caller`, retrying when the connection fails; the status and body.
    async fn send(
        &self,
        method: Method,
        url: &str,
        caller: &Caller,
        body: Bytes,
        step: &str,
    ) -> Result<(StatusCode, Bytes), DemoError> {
        let failed = |reason: String| DemoError::Http {
            step: step.to_owned(),
            reason,
        };
        let mut wait = Duration::from_millis(100);
        let mut tries = 1;
        loop {
            let mut request = Request::builder()
                .method(method.clone())
                .uri(url)
                .header(CONTENT_TYPE, "application/fhir+json")
                .header(ACCEPT, "application/fhir+json");
            let (name, value) = caller.authorization();
            request = request.header(name, value);
            let request = request
                .body(Full::new(body.clone()))
                .map_err(|error| failed(error.to_string()))?;
            let response = match tokio::time::timeout(TIMEOUT, self.client.request(request)).await {
                Err(_) => return Err(failed(format!("no answer in {TIMEOUT:?}"))),
                Ok(Err(error)) if tries < ATTEMPTS => {
                    tracing::debug!(step, %error, "retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    tries += 1;
                    continue;
                }
                Ok(Err(error)) => return Err(failed(format!("{url}: {error}"))),
                Ok(Ok(response)) => response,
            };
            let status = response.status();
            let answer = response.into_body().collect().await;
            let answer = answer.map_err(|error| failed(format!("{url}: {error}")))?;
            return Ok((status, answer.to_bytes()));
        }
    }
}

/// An answer other than the ones expected, with the start of its body (an OperationOutcome
/// naming the element at fault).
fn refused(step: &str, status: StatusCode, body: &[u8]) -> DemoError {
    DemoError::Fhir {
        step: step.to_owned(),
        status: status.as_u16(),
        body: String::from_utf8_lossy(body)
            .chars()
            .take(BODY_SHOWN)
            .collect(),
    }
}

/// The GP's `ServiceRequest` for `person`, to their network's link workers, made on `today`:
/// the person a UK Core `Patient` contained in it, as a GP system sends what its record holds
/// (NHS number, date of birth, gender, ethnic category, home postcode; all synthetic).
pub(crate) fn service_request(person: &Person, pcn: &str, today: NaiveDate) -> Value {
    let reason = person
        .needs
        .iter()
        .map(|&need| TERMS[need].name.to_lowercase())
        .collect::<Vec<_>>()
        .join("; ");
    json!({
        "resourceType": "ServiceRequest",
        "identifier": [{ "system": REFERRAL_ID, "value": person.referral_id.to_string() }],
        "status": "active",
        "intent": "order",
        "code": { "coding": [{
            "system": SNOMED,
            "code": REFERRAL_TO_SOCIAL_PRESCRIBING,
            "display": "Referral to social prescribing service"
        }] },
        "reasonCode": [{
            "coding": [{ "system": SNOMED, "code": REFERRAL_TO_SOCIAL_PRESCRIBING }],
            "text": reason
        }],
        "priority": if person.urgent { "urgent" } else { "routine" },
        "contained": [patient(person, today)],
        "subject": { "reference": "#patient" },
        "requester": { "reference": format!("Practitioner/{}", person.gp) },
        "performer": [{ "identifier": { "system": ODS, "value": pcn } }],
        "extension": [
            { "url": CONSENT_PROVIDERS, "valueBoolean": person.share_with_providers },
            { "url": CONSENT_OUTCOME, "valueBoolean": person.share_outcome },
            { "url": CONSENT_DEVICE_DATA, "valueBoolean": person.share_device_data }
        ]
    })
}

/// The person as a contained UK Core `Patient`, `#patient`.
fn patient(person: &Person, today: NaiveDate) -> Value {
    let details = &person.demographics;
    let born = details.birth_date(person.age, today);
    json!({
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [{ "system": NHS_NUMBER, "value": person.nhs_number }],
        "birthDate": born.format("%Y-%m-%d").to_string(),
        "gender": details.sex,
        "address": [{ "use": "home", "postalCode": person.postcode }],
        "extension": [{
            "url": ETHNIC_CATEGORY,
            "valueCodeableConcept": {
                "coding": [{ "system": ETHNIC_CATEGORY_ENGLAND, "code": details.ethnic_category }]
            }
        }]
    })
}
