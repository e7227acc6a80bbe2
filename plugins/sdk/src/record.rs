//! The care record: everything carecheck knows about one looked-after child.
//!
//! One type serves three purposes, so they can never drift apart: the host validates API
//! input against the JSON Schema generated from it, the store keeps it as JSON, and policies
//! read it (trimmed to the fields they declare). Most fields are optional because real case
//! records are incomplete; a policy that needs a missing field reports `insufficient-data`
//! naming it rather than guessing. The host's validation decides which fields a record must
//! carry to be stored (see `host/src/records/validate.rs`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The version of the care-record schema this SDK reads and the host publishes.
pub const SCHEMA_VERSION: u32 = 1;

/// Generates the derive list once: serde always, JSON Schema when the host asks for it.
macro_rules! model {
    ($($item:item)*) => {
        $(
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
            #[serde(deny_unknown_fields)]
            $item
        )*
    };
}

/// Generates string-valued enums with the same derives.
macro_rules! code_enum {
    ($($item:item)*) => {
        $(
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
            #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
            $item
        )*
    };
}

model! {
    /// One child's care record, owned by the responsible local authority.
    pub struct CareRecord {
        /// Version of this schema the record follows; currently 1.
        #[serde(default = "default_schema_version")]
        pub schema_version: u32,
        #[serde(default)]
        pub child: Child,
        /// Periods of care, oldest first. A child can be looked after more than once.
        #[serde(default)]
        pub periods_of_care: Vec<PeriodOfCare>,
        /// Placements, oldest first.
        #[serde(default)]
        pub placements: Vec<Placement>,
        /// Independent reviewing officers assigned to the child over time.
        #[serde(default)]
        pub iro_assignments: Vec<IroAssignment>,
        /// The authority's virtual mental health lead overseeing this child's mental health (EWG 2017 rec 1).
        #[serde(default)]
        pub virtual_mental_health_lead: Option<NamedLead>,
        /// Statutory reviews of the child's case, in any order.
        #[serde(default)]
        pub reviews: Vec<Review>,
        #[serde(default)]
        pub health: Health,
        /// The people caring for the child day to day.
        #[serde(default)]
        pub caregivers: Vec<Caregiver>,
        #[serde(default)]
        pub education: Option<Education>,
        #[serde(default)]
        pub leaving_care: Option<LeavingCare>,
    }

    /// Who the child is and who is responsible for them.
    #[derive(Default)]
    pub struct Child {
        /// The responsible authority's own identifier for the child (SSDA903 CHILD).
        #[serde(default)]
        pub id: String,
        /// Code of the responsible local authority (for example an ONS or DfE LA code).
        #[serde(default)]
        pub responsible_authority: String,
        /// The child's name: never shown to boards, never given to a policy that does not declare it.
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default)]
        pub date_of_birth: Option<NaiveDate>,
        /// `true` when the date of birth is known only approximately.
        #[serde(default)]
        pub date_of_birth_approximate: bool,
        #[serde(default)]
        pub sex: Option<Sex>,
        /// Current legal status (SSDA903 LS code, for example C2 for a full care order).
        #[serde(default)]
        pub legal_status: Option<String>,
        /// Unique pupil number, when the child is of school age.
        #[serde(default)]
        pub upn: Option<String>,
    }

    /// A continuous time looked after, made of one or more consecutive episodes.
    pub struct PeriodOfCare {
        /// Episodes in date order; each starts the day the previous one ended.
        pub episodes: Vec<Episode>,
    }

    /// An episode of care: a stretch with one legal status and placement (SSDA903 Episodes).
    pub struct Episode {
        pub start: NaiveDate,
        #[serde(default)]
        pub end: Option<NaiveDate>,
        /// Reason for a new episode (SSDA903 RNE: L, P, T, B, U, S).
        #[serde(default)]
        pub reason_new: Option<String>,
        /// Reason the episode ended (SSDA903 REC; X1 means care continues in a new episode).
        #[serde(default)]
        pub reason_ended: Option<String>,
        /// Legal status during the episode (SSDA903 LS).
        #[serde(default)]
        pub legal_status: Option<String>,
        /// Placement type (SSDA903 PLACE code).
        #[serde(default)]
        pub placement_type: Option<String>,
        /// The placement this episode was spent in, by placement id.
        #[serde(default)]
        pub placement_id: Option<String>,
    }

    /// Where the child lived.
    pub struct Placement {
        /// Identifier unique within this record.
        pub id: String,
        pub start: NaiveDate,
        #[serde(default)]
        pub end: Option<NaiveDate>,
        /// Placement type (SSDA903 PLACE code).
        #[serde(default)]
        pub placement_type: Option<String>,
        /// Placement provider (SSDA903 PLACE_PROVIDER code) or the provider's name.
        #[serde(default)]
        pub provider: Option<String>,
        /// Ofsted unique reference number of the setting.
        #[serde(default)]
        pub urn: Option<String>,
        #[serde(default)]
        pub postcode: Option<String>,
        /// Code of the local authority the placement is in.
        #[serde(default)]
        pub location_authority: Option<String>,
        /// Outside the responsible authority and not in an adjoining one (CPPCR reg 11(5)).
        #[serde(default)]
        pub distant: Option<bool>,
        /// The placement was made in an emergency (notification may follow within 5 working days).
        #[serde(default)]
        pub emergency: bool,
        /// Date the area authority was notified of the placement (CPPCR reg 13(4)).
        #[serde(default)]
        pub area_authority_notified: Option<NaiveDate>,
        /// Date the director of children's services approved a distant placement.
        #[serde(default)]
        pub director_approved: Option<NaiveDate>,
        /// The health commissioner (ICB) responsible for the child while placed here.
        #[serde(default)]
        pub health_commissioner: Option<String>,
        /// The named service responsible for the child's mental health care during this placement.
        #[serde(default)]
        pub mental_health_service: Option<ServiceAssignment>,
        /// Reason the placement changed (SSDA903 REASON_PLACE_CHANGE).
        #[serde(default)]
        pub reason_changed: Option<String>,
    }

    /// A service named as responsible, and when it was named.
    pub struct ServiceAssignment {
        pub service: String,
        pub assigned: NaiveDate,
    }

    /// An independent reviewing officer assigned to the child (CA 1989 s25A).
    pub struct IroAssignment {
        pub iro_id: String,
        pub from: NaiveDate,
        #[serde(default)]
        pub to: Option<NaiveDate>,
    }

    /// A named person in a role, from a date.
    pub struct NamedLead {
        pub name: String,
        #[serde(default)]
        pub from: Option<NaiveDate>,
    }

    /// A statutory review of the child's case (CPPCR reg 33).
    pub struct Review {
        pub date: NaiveDate,
        /// `true` when the date comes from a source that gives only an approximation.
        #[serde(default)]
        pub date_approximate: bool,
        /// The IRO who chaired the review.
        #[serde(default)]
        pub chair_iro_id: Option<String>,
        /// How the child's views were conveyed (SSDA903 REVIEW_CODE).
        #[serde(default)]
        pub participation: Option<Participation>,
        /// Whether the child was asked who they wanted with them, and whom they chose (EWG 2017 rec 3).
        #[serde(default)]
        pub accompaniment: Option<Accompaniment>,
        /// The mental-health item every review must include (EWG 2017 rec 11).
        #[serde(default)]
        pub mental_health: Option<MentalHealthItem>,
        /// Other items discussed, as short titles.
        #[serde(default)]
        pub items_discussed: Vec<String>,
    }

    pub struct Accompaniment {
        pub asked: bool,
        /// Whom the child chose (a relationship, not a name), if anyone.
        #[serde(default)]
        pub chosen: Option<String>,
    }

    pub struct MentalHealthItem {
        pub outcome: MentalHealthOutcome,
        /// Actions agreed, each a short sentence.
        #[serde(default)]
        pub actions: Vec<String>,
    }

    /// Health assessments, checks, screening and mental-health services.
    #[derive(Default)]
    pub struct Health {
        #[serde(default)]
        pub assessments: Vec<HealthAssessment>,
        #[serde(default)]
        pub dental_checks: Vec<NaiveDate>,
        /// Strengths and Difficulties Questionnaires.
        #[serde(default)]
        pub sdq: Vec<Sdq>,
        /// Comprehensive mental-health assessments.
        #[serde(default)]
        pub mental_health_assessments: Vec<MentalHealthAssessment>,
        #[serde(default)]
        pub mental_health_referrals: Vec<MentalHealthReferral>,
    }

    pub struct HealthAssessment {
        pub kind: HealthAssessmentKind,
        pub date: NaiveDate,
    }

    /// A Strengths and Difficulties Questionnaire (carer version, total difficulties 0-40).
    pub struct Sdq {
        pub date: NaiveDate,
        /// `true` when the date is an approximation (the SSDA903 return carries no SDQ date).
        #[serde(default)]
        pub date_approximate: bool,
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 40)))]
        pub score: Option<u8>,
        /// Who completed it (for example `main-carer`, `teacher`, `young-person`).
        #[serde(default)]
        pub completed_by: Option<String>,
        /// Why no score was recorded (SSDA903 SDQ_REASON, for example SDQ1).
        #[serde(default)]
        pub reason_not_completed: Option<String>,
    }

    pub struct MentalHealthAssessment {
        pub date: NaiveDate,
        #[serde(default)]
        pub by: Option<String>,
    }

    pub struct MentalHealthReferral {
        pub id: String,
        pub service: String,
        pub referred: NaiveDate,
        #[serde(default)]
        pub accepted: Option<NaiveDate>,
        #[serde(default)]
        pub first_seen: Option<NaiveDate>,
    }

    /// A person or setting caring for the child day to day.
    pub struct Caregiver {
        /// Identifier unique within this record.
        pub id: String,
        pub kind: CaregiverKind,
        pub from: NaiveDate,
        #[serde(default)]
        pub to: Option<NaiveDate>,
        /// Date the carer was approved (foster and family-and-friends carers).
        #[serde(default)]
        pub approval_date: Option<NaiveDate>,
        /// Name or staff id of the supervising social worker (Fostering NMS 21.8).
        #[serde(default)]
        pub supervising_social_worker: Option<String>,
        /// Unannounced supervisory visits (Fostering NMS 21.8).
        #[serde(default)]
        pub unannounced_visits: Vec<NaiveDate>,
        /// Support offered to or received by the carer for their own wellbeing (EWG 2017 rec 4).
        #[serde(default)]
        pub wellbeing_support: Vec<WellbeingSupport>,
        /// Date the carer was told of the local offer of services (EWG 2017 rec 5).
        #[serde(default)]
        pub told_of_local_offer: Option<NaiveDate>,
        /// Date the carer completed training in children's mental health (EWG 2017 rec 6).
        #[serde(default)]
        pub mental_health_training_completed: Option<NaiveDate>,
    }

    pub struct WellbeingSupport {
        pub date: NaiveDate,
        pub kind: WellbeingSupportKind,
        #[serde(default)]
        pub description: Option<String>,
    }

    pub struct Education {
        #[serde(default)]
        pub school: Option<School>,
        #[serde(default)]
        pub designated_teacher: Option<DesignatedTeacher>,
        /// Dates the personal education plan was reviewed.
        #[serde(default)]
        pub pep_reviews: Vec<NaiveDate>,
    }

    pub struct School {
        pub name: String,
        #[serde(default)]
        pub urn: Option<String>,
    }

    pub struct DesignatedTeacher {
        pub name: String,
        /// Date the teacher was trained in identifying looked-after pupils' mental-health needs.
        #[serde(default)]
        pub mental_health_training: Option<NaiveDate>,
    }

    pub struct LeavingCare {
        /// Dates the pathway plan was reviewed.
        #[serde(default)]
        pub pathway_plan_reviews: Vec<NaiveDate>,
        #[serde(default)]
        pub personal_adviser: Option<NamedLead>,
        /// Whether the pathway plan addresses the young person's mental health.
        #[serde(default)]
        pub plan_addresses_mental_health: Option<bool>,
    }
}

code_enum! {
    /// SSDA903 SEX, current codes.
    pub enum Sex {
        #[serde(rename = "M")]
        Male,
        #[serde(rename = "F")]
        Female,
        #[serde(rename = "U")]
        Unknown,
    }

    /// SSDA903 participation codes. PN0: child under 4; PN1-PN6: views conveyed in various ways;
    /// PN7: the child did not attend and their views were not conveyed.
    pub enum Participation {
        PN0,
        PN1,
        PN2,
        PN3,
        PN4,
        PN5,
        PN6,
        PN7,
    }

    #[serde(rename_all = "kebab-case")]
    pub enum MentalHealthOutcome {
        NeedsMet,
        PartlyMet,
        NotMet,
        NotDiscussed,
    }

    #[serde(rename_all = "kebab-case")]
    pub enum HealthAssessmentKind {
        Initial,
        Review,
    }

    #[serde(rename_all = "kebab-case")]
    pub enum CaregiverKind {
        Foster,
        FamilyAndFriends,
        SpecialGuardian,
        Adoptive,
        Residential,
    }

    #[serde(rename_all = "kebab-case")]
    pub enum WellbeingSupportKind {
        Offer,
        Contact,
    }
}

fn default_schema_version() -> u32 {
    SCHEMA_VERSION
}

impl PeriodOfCare {
    /// The day the child became looked after for this period.
    pub fn start(&self) -> Option<NaiveDate> {
        self.episodes.first().map(|e| e.start)
    }

    /// The day the period ended, or `None` while the child is still looked after.
    pub fn end(&self) -> Option<NaiveDate> {
        self.episodes.last().and_then(|e| e.end)
    }

    /// Whether `date` falls inside the period (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        match self.start() {
            Some(start) => date >= start && self.end().is_none_or(|end| date <= end),
            None => false,
        }
    }
}

impl Participation {
    /// Whether the child's views reached the review in some way.
    pub fn views_conveyed(self) -> bool {
        !matches!(self, Participation::PN7)
    }
}

impl MentalHealthOutcome {
    pub fn label(self) -> &'static str {
        match self {
            MentalHealthOutcome::NeedsMet => "needs met",
            MentalHealthOutcome::PartlyMet => "needs partly met",
            MentalHealthOutcome::NotMet => "needs not met",
            MentalHealthOutcome::NotDiscussed => "not discussed",
        }
    }
}

impl CareRecord {
    /// The period of care that contains `date`, if any.
    pub fn period_containing(&self, date: NaiveDate) -> Option<&PeriodOfCare> {
        self.periods_of_care.iter().find(|p| p.contains(date))
    }

    /// The IRO assigned to the child on `date`, if any.
    pub fn iro_on(&self, date: NaiveDate) -> Option<&IroAssignment> {
        self.iro_assignments
            .iter()
            .filter(|a| a.from <= date && a.to.is_none_or(|to| to >= date))
            .max_by_key(|a| a.from)
    }
}
