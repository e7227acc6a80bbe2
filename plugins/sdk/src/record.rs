//! The care record: everything carecheck knows about one looked-after child.
//!
//! One type serves three purposes, so they can never drift apart: the host validates API
//! input against the JSON Schema generated from it, the store keeps it as JSON, and policies
//! read it (trimmed to the fields they declare). Most fields are optional because real case
//! records are incomplete; a policy that needs a missing field reports `insufficient-data`
//! naming it rather than guessing. The host's validation decides which fields a record must
//! carry to be stored (see `host/src/records/validate.rs`).
//!
//! Provenance: a record may say which of its sections its sources supplied ([`Provenance`],
//! sections named by [`Section`]). A section not listed is unknown, not empty: "not recorded is
//! not did-not-happen", so a policy whose evidence lies there answers `insufficient_data` naming
//! the section ([`CareRecord::supplied`], `CheckInfo::not_supplied`), never a breach. A record
//! without provenance supplied everything, so records written before provenance stay valid; the
//! schema version stays 1 (the field is optional). [`Section::SSDA903`] lists what the DfE
//! return supplies: the child, periods of care, placements (dates, type, provider, postcode),
//! review dates and participation, and the OC2 SDQ.
//!
//! Versions: `schema_version` ([`SCHEMA_VERSION`], 1) is the major version, the one records
//! carry; it changes only when a record that was valid would be refused or read differently.
//! A change that only adds optional fields is a minor version ([`SCHEMA_MINOR_VERSION`]),
//! published in the schema's `$comment` and not carried in records: every 1.0 record is a 1.1
//! record and means what it meant. 1.1 adds how each review was prepared for and followed up
//! (`reviews[].preparation`) and the next review planned (`next_review`), the section
//! `reviews.preparation`, which an SSDA903 return does not supply. A 1.0 review has no
//! `preparation`: that reads as "not recorded", never as "not done". Unknown fields are refused,
//! so a server still on 1.0 refuses a record that uses 1.1's fields.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The major version of the care-record schema this SDK reads and the host publishes: the
/// `schema_version` every record carries.
pub const SCHEMA_VERSION: u32 = 1;

/// The minor version within [`SCHEMA_VERSION`]: 1.1 added `reviews[].preparation` and
/// `next_review`. Records do not carry it; a record of an earlier minor version is valid as it is.
pub const SCHEMA_MINOR_VERSION: u32 = 1;

/// The most items any list in a record may hold. A child looked after from birth to 18 has
/// about 40 statutory reviews; this leaves room for decades of history while keeping every
/// policy's work on one record well inside its fuel limit (a record with 60,000 reviews once
/// passed validation and ran several policies out of fuel).
pub const MAX_ITEMS: usize = 200;

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
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub periods_of_care: Vec<PeriodOfCare>,
        /// Placements, oldest first.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub placements: Vec<Placement>,
        /// Independent reviewing officers assigned to the child over time.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub iro_assignments: Vec<IroAssignment>,
        /// The authority's virtual mental health lead overseeing this child's mental health (EWG 2017 rec 1).
        #[serde(default)]
        pub virtual_mental_health_lead: Option<NamedLead>,
        /// Statutory reviews of the child's case, in any order.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub reviews: Vec<Review>,
        /// The next review, planned but not yet held (schema 1.1).
        #[serde(default)]
        pub next_review: Option<NextReview>,
        #[serde(default)]
        pub health: Health,
        /// The people caring for the child day to day.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub caregivers: Vec<Caregiver>,
        #[serde(default)]
        pub education: Option<Education>,
        #[serde(default)]
        pub leaving_care: Option<LeavingCare>,
        /// Which sections of the record its sources supplied, by which source and as of when.
        /// Absent: everything was supplied (a record kept by hand, or written before provenance
        /// existed). Present: only the sections listed are complete; every other section is
        /// unknown, not empty ("not recorded is not did-not-happen"), and policies report
        /// `insufficient_data` for checks whose evidence lies there.
        #[serde(default)]
        pub provenance: Option<Provenance>,
    }

    /// Where a record's sections came from (see [`CareRecord::supplied`]).
    pub struct Provenance {
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub sections: Vec<SuppliedSection>,
    }

    /// One section of the record supplied by one source.
    pub struct SuppliedSection {
        pub section: Section,
        /// The source, for example `ssda903` (the DfE children-looked-after return) or the name
        /// of the case-management system.
        pub source: String,
        /// The date the source's data is complete to (for an SSDA903 return, 31 March of its
        /// collection year).
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub as_of: Option<NaiveDate>,
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
        #[serde(deserialize_with = "crate::dates::iso::option")]
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
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub episodes: Vec<Episode>,
    }

    /// An episode of care: a stretch with one legal status and placement (SSDA903 Episodes).
    pub struct Episode {
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub start: NaiveDate,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
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
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub start: NaiveDate,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
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
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub area_authority_notified: Option<NaiveDate>,
        /// Date the director of children's services approved a distant placement.
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
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
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub assigned: NaiveDate,
    }

    /// An independent reviewing officer assigned to the child (CA 1989 s25A).
    pub struct IroAssignment {
        pub iro_id: String,
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub from: NaiveDate,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub to: Option<NaiveDate>,
    }

    /// A named person in a role, from a date.
    pub struct NamedLead {
        pub name: String,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub from: Option<NaiveDate>,
    }

    /// A statutory review of the child's case (CPPCR reg 33).
    pub struct Review {
        #[serde(deserialize_with = "crate::dates::iso::date")]
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
        /// Kept so older records stay valid; no built-in policy reads it. EWG 2017 rec 3 (who
        /// the young person wants with them) concerns mental-health assessments, not reviews:
        /// record it on `health.mental_health_assessments[].accompaniment`.
        #[serde(default)]
        pub accompaniment: Option<Accompaniment>,
        /// The mental-health item every review must include (EWG 2017 rec 11).
        #[serde(default)]
        pub mental_health: Option<MentalHealthItem>,
        /// Other items discussed, as short titles.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub items_discussed: Vec<String>,
        /// How the review was prepared for and followed up (IRO Handbook 2010; schema 1.1).
        /// Absent: not recorded for this review (a 1.0 record, or a review from before the
        /// authority kept these dates), which is not the same as the steps not being taken.
        #[serde(default)]
        pub preparation: Option<ReviewPreparation>,
    }

    /// The steps around one review that the IRO Handbook 2010 expects, each the date it was
    /// taken. A date left out means the step was not taken (by the date the record's sources are
    /// complete to); the whole object left out means none of this was recorded.
    #[derive(Default)]
    pub struct ReviewPreparation {
        /// The date the review was planned for when the arrangements were last made; it may
        /// differ from the date it was held (a review brought forward or put back).
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub planned_date: Option<NaiveDate>,
        /// The date the child was consulted about the review's arrangements and the matters it
        /// would consider.
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub child_consulted: Option<NaiveDate>,
        /// The date the IRO spoke with the child (in private where practicable) before it.
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub iro_spoke_with_child: Option<NaiveDate>,
        /// The dates the care plan, health plan and PEP reached the IRO.
        #[serde(default)]
        pub papers: ReviewPapers,
        /// The date the review's decisions were circulated.
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub decisions_circulated: Option<NaiveDate>,
        /// The date the full record of the review was circulated.
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub record_circulated: Option<NaiveDate>,
    }

    /// The dates the papers for a review reached the IRO.
    #[derive(Default)]
    pub struct ReviewPapers {
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub care_plan: Option<NaiveDate>,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub health_plan: Option<NaiveDate>,
        /// The personal education plan (for a child of compulsory school age).
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub pep: Option<NaiveDate>,
    }

    /// The child's next review, planned but not yet held, and its preparation so far (schema
    /// 1.1). When the review is held it becomes a row of `reviews`, its preparation with it.
    pub struct NextReview {
        /// The date the review is planned for (the latest arrangement, if it has moved).
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub planned_date: NaiveDate,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub child_consulted: Option<NaiveDate>,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub iro_spoke_with_child: Option<NaiveDate>,
        #[serde(default)]
        pub papers: ReviewPapers,
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
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub actions: Vec<String>,
    }

    /// Health assessments, checks, screening and mental-health services.
    #[derive(Default)]
    pub struct Health {
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub assessments: Vec<HealthAssessment>,
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        #[serde(deserialize_with = "crate::dates::iso::list")]
        pub dental_checks: Vec<NaiveDate>,
        /// Strengths and Difficulties Questionnaires.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub sdq: Vec<Sdq>,
        /// Comprehensive mental-health assessments.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub mental_health_assessments: Vec<MentalHealthAssessment>,
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub mental_health_referrals: Vec<MentalHealthReferral>,
    }

    pub struct HealthAssessment {
        pub kind: HealthAssessmentKind,
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub date: NaiveDate,
    }

    /// A Strengths and Difficulties Questionnaire (carer version, total difficulties 0-40).
    pub struct Sdq {
        #[serde(deserialize_with = "crate::dates::iso::date")]
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
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub date: NaiveDate,
        #[serde(default)]
        pub by: Option<String>,
        /// Whether the young person was asked who they wanted with them at the assessment, and
        /// whom they chose (EWG 2017 rec 3).
        #[serde(default)]
        pub accompaniment: Option<Accompaniment>,
    }

    pub struct MentalHealthReferral {
        pub id: String,
        pub service: String,
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub referred: NaiveDate,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub accepted: Option<NaiveDate>,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub first_seen: Option<NaiveDate>,
    }

    /// A person or setting caring for the child day to day.
    pub struct Caregiver {
        /// Identifier unique within this record.
        pub id: String,
        pub kind: CaregiverKind,
        #[serde(deserialize_with = "crate::dates::iso::date")]
        pub from: NaiveDate,
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub to: Option<NaiveDate>,
        /// Date the carer was approved (foster and family-and-friends carers).
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub approval_date: Option<NaiveDate>,
        /// Name or staff id of the supervising social worker (Fostering NMS 21.8).
        #[serde(default)]
        pub supervising_social_worker: Option<String>,
        /// Unannounced supervisory visits (Fostering NMS 21.8).
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        #[serde(deserialize_with = "crate::dates::iso::list")]
        pub unannounced_visits: Vec<NaiveDate>,
        /// Support offered to or received by the carer for their own wellbeing (EWG 2017 rec 4).
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        pub wellbeing_support: Vec<WellbeingSupport>,
        /// Date the carer was told of the local offer of services (EWG 2017 rec 5).
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub told_of_local_offer: Option<NaiveDate>,
        /// Date the carer completed training in children's mental health (EWG 2017 rec 6).
        #[serde(default)]
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub mental_health_training_completed: Option<NaiveDate>,
    }

    pub struct WellbeingSupport {
        #[serde(deserialize_with = "crate::dates::iso::date")]
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
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        #[serde(deserialize_with = "crate::dates::iso::list")]
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
        #[serde(deserialize_with = "crate::dates::iso::option")]
        pub mental_health_training: Option<NaiveDate>,
    }

    pub struct LeavingCare {
        /// Dates the pathway plan was reviewed.
        #[serde(default)]
        #[cfg_attr(feature = "schema", schemars(length(max = MAX_ITEMS)))]
        #[serde(deserialize_with = "crate::dates::iso::list")]
        pub pathway_plan_reviews: Vec<NaiveDate>,
        #[serde(default)]
        pub personal_adviser: Option<NamedLead>,
        /// Whether the pathway plan addresses the young person's mental health.
        #[serde(default)]
        pub plan_addresses_mental_health: Option<bool>,
    }
}

code_enum! {
    /// A section of the care record, as provenance names it: the record's top-level parts, and
    /// finer parts where a source supplies only some of one (`reviews.dates` without
    /// `reviews.mental_health`, say). Listing a part supplies that part; listing a whole
    /// (`health`) supplies every part of it.
    pub enum Section {
        #[serde(rename = "child")]
        Child,
        #[serde(rename = "periods_of_care")]
        PeriodsOfCare,
        /// All of `placements`: its three parts below.
        #[serde(rename = "placements")]
        Placements,
        /// The placements themselves: id, dates, type, provider, setting, postcode, reason for change.
        #[serde(rename = "placements.dates")]
        PlacementDates,
        /// Location authority, distance, emergency flag, notice to the area authority, director's approval.
        #[serde(rename = "placements.out_of_area")]
        PlacementOutOfArea,
        /// Health commissioner and the named mental-health service.
        #[serde(rename = "placements.health")]
        PlacementHealth,
        #[serde(rename = "iro_assignments")]
        IroAssignments,
        #[serde(rename = "virtual_mental_health_lead")]
        VirtualMentalHealthLead,
        /// All of `reviews`: its parts below.
        #[serde(rename = "reviews")]
        Reviews,
        /// The reviews held, by date.
        #[serde(rename = "reviews.dates")]
        ReviewDates,
        /// How the child's views were conveyed to each review (PN0-PN7).
        #[serde(rename = "reviews.participation")]
        ReviewParticipation,
        /// Who chaired each review.
        #[serde(rename = "reviews.chair")]
        ReviewChair,
        /// The mental-health item of each review (EWG 2017 rec 11).
        #[serde(rename = "reviews.mental_health")]
        ReviewMentalHealth,
        /// Other items discussed at each review.
        #[serde(rename = "reviews.items_discussed")]
        ReviewItems,
        /// How each review was prepared for and followed up (`reviews[].preparation`: the
        /// child consulted, the IRO's conversation with the child, the papers, the decisions
        /// and record circulated) and the next review planned (`next_review`).
        #[serde(rename = "reviews.preparation")]
        ReviewPreparation,
        /// All of `health`: its parts below.
        #[serde(rename = "health")]
        Health,
        #[serde(rename = "health.assessments")]
        HealthAssessments,
        #[serde(rename = "health.dental_checks")]
        DentalChecks,
        #[serde(rename = "health.sdq")]
        Sdq,
        #[serde(rename = "health.mental_health_assessments")]
        MentalHealthAssessments,
        #[serde(rename = "health.mental_health_referrals")]
        MentalHealthReferrals,
        #[serde(rename = "caregivers")]
        Caregivers,
        /// All of `education`: its parts below.
        #[serde(rename = "education")]
        Education,
        #[serde(rename = "education.school")]
        School,
        #[serde(rename = "education.designated_teacher")]
        DesignatedTeacher,
        #[serde(rename = "education.pep_reviews")]
        PepReviews,
        #[serde(rename = "leaving_care")]
        LeavingCare,
    }

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

    /// The SSDA903 code, as the record and the results write it: "PN1".
    pub fn code(self) -> &'static str {
        match self {
            Participation::PN0 => "PN0",
            Participation::PN1 => "PN1",
            Participation::PN2 => "PN2",
            Participation::PN3 => "PN3",
            Participation::PN4 => "PN4",
            Participation::PN5 => "PN5",
            Participation::PN6 => "PN6",
            Participation::PN7 => "PN7",
        }
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

impl Section {
    /// Every section, wholes and parts.
    pub const ALL: [Section; 27] = [
        Section::Child,
        Section::PeriodsOfCare,
        Section::Placements,
        Section::PlacementDates,
        Section::PlacementOutOfArea,
        Section::PlacementHealth,
        Section::IroAssignments,
        Section::VirtualMentalHealthLead,
        Section::Reviews,
        Section::ReviewDates,
        Section::ReviewParticipation,
        Section::ReviewChair,
        Section::ReviewMentalHealth,
        Section::ReviewItems,
        Section::ReviewPreparation,
        Section::Health,
        Section::HealthAssessments,
        Section::DentalChecks,
        Section::Sdq,
        Section::MentalHealthAssessments,
        Section::MentalHealthReferrals,
        Section::Caregivers,
        Section::Education,
        Section::School,
        Section::DesignatedTeacher,
        Section::PepReviews,
        Section::LeavingCare,
    ];

    /// What the DfE SSDA903 return supplies: the child, periods of care (episodes), placements
    /// (dates, type, provider, postcode), review dates and participation codes, and the OC2 SDQ.
    /// Not IROs, health-assessment dates, dental checks, caregivers, the virtual mental health
    /// lead, the mental-health item at reviews, how reviews were prepared for and followed up,
    /// out-of-area details, education or leaving care.
    pub const SSDA903: [Section; 6] = [
        Section::Child,
        Section::PeriodsOfCare,
        Section::PlacementDates,
        Section::ReviewDates,
        Section::ReviewParticipation,
        Section::Sdq,
    ];

    /// The name provenance uses, for example `reviews.dates`.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Child => "child",
            Section::PeriodsOfCare => "periods_of_care",
            Section::Placements => "placements",
            Section::PlacementDates => "placements.dates",
            Section::PlacementOutOfArea => "placements.out_of_area",
            Section::PlacementHealth => "placements.health",
            Section::IroAssignments => "iro_assignments",
            Section::VirtualMentalHealthLead => "virtual_mental_health_lead",
            Section::Reviews => "reviews",
            Section::ReviewDates => "reviews.dates",
            Section::ReviewParticipation => "reviews.participation",
            Section::ReviewChair => "reviews.chair",
            Section::ReviewMentalHealth => "reviews.mental_health",
            Section::ReviewItems => "reviews.items_discussed",
            Section::ReviewPreparation => "reviews.preparation",
            Section::Health => "health",
            Section::HealthAssessments => "health.assessments",
            Section::DentalChecks => "health.dental_checks",
            Section::Sdq => "health.sdq",
            Section::MentalHealthAssessments => "health.mental_health_assessments",
            Section::MentalHealthReferrals => "health.mental_health_referrals",
            Section::Caregivers => "caregivers",
            Section::Education => "education",
            Section::School => "education.school",
            Section::DesignatedTeacher => "education.designated_teacher",
            Section::PepReviews => "education.pep_reviews",
            Section::LeavingCare => "leaving_care",
        }
    }

    /// The section in words, for messages: "the health assessments".
    pub fn label(self) -> &'static str {
        match self {
            Section::Child => "the child's details",
            Section::PeriodsOfCare => "the periods of care",
            Section::Placements => "the placements",
            Section::PlacementDates => "the placements",
            Section::PlacementOutOfArea => "the placements' out-of-area details",
            Section::PlacementHealth => {
                "the placements' health commissioner and mental-health service"
            }
            Section::IroAssignments => "the IRO assignments",
            Section::VirtualMentalHealthLead => "the virtual mental health lead",
            Section::Reviews => "the reviews",
            Section::ReviewDates => "the review dates",
            Section::ReviewParticipation => "the child's participation in reviews",
            Section::ReviewChair => "who chaired each review",
            Section::ReviewMentalHealth => "the mental-health item at reviews",
            Section::ReviewItems => "the items discussed at reviews",
            Section::ReviewPreparation => {
                "the reviews' preparation (consultation, papers, circulation)"
            }
            Section::Health => "the health record",
            Section::HealthAssessments => "the health assessments",
            Section::DentalChecks => "the dental checks",
            Section::Sdq => "the SDQs",
            Section::MentalHealthAssessments => "the mental-health assessments",
            Section::MentalHealthReferrals => "the mental-health referrals",
            Section::Caregivers => "the caregivers",
            Section::Education => "the education details",
            Section::School => "the school",
            Section::DesignatedTeacher => "the designated teacher",
            Section::PepReviews => "the PEP reviews",
            Section::LeavingCare => "the leaving-care details",
        }
    }

    /// The whole this section is a part of, if it is a part.
    pub fn whole(self) -> Option<Section> {
        match self {
            Section::PlacementDates | Section::PlacementOutOfArea | Section::PlacementHealth => {
                Some(Section::Placements)
            }
            Section::ReviewDates
            | Section::ReviewParticipation
            | Section::ReviewChair
            | Section::ReviewMentalHealth
            | Section::ReviewItems
            | Section::ReviewPreparation => Some(Section::Reviews),
            Section::HealthAssessments
            | Section::DentalChecks
            | Section::Sdq
            | Section::MentalHealthAssessments
            | Section::MentalHealthReferrals => Some(Section::Health),
            Section::School | Section::DesignatedTeacher | Section::PepReviews => {
                Some(Section::Education)
            }
            _ => None,
        }
    }

    /// The parts of a whole (empty for a part or an undivided section).
    pub fn parts(self) -> impl Iterator<Item = Section> {
        Section::ALL
            .into_iter()
            .filter(move |s| s.whole() == Some(self))
    }
}

impl Provenance {
    /// Provenance saying `source` supplied `sections`, complete as of `as_of`.
    pub fn from_source(source: &str, as_of: Option<NaiveDate>, sections: &[Section]) -> Self {
        Provenance {
            sections: sections
                .iter()
                .map(|&section| SuppliedSection {
                    section,
                    source: source.to_string(),
                    as_of,
                })
                .collect(),
        }
    }

    fn lists(&self, section: Section) -> bool {
        self.sections.iter().any(|s| s.section == section)
    }

    /// Whether `section` was supplied: it is listed, or the whole it is part of is, or (for a
    /// whole) every one of its parts is.
    pub fn supplies(&self, section: Section) -> bool {
        self.lists(section)
            || section.whole().is_some_and(|w| self.lists(w))
            || (section.parts().next().is_some() && section.parts().all(|p| self.lists(p)))
    }

    /// The sources named, each with the latest date it is complete to, for messages:
    /// "ssda903 as of 31 Mar 2025".
    pub fn sources_text(&self) -> String {
        let mut sources: Vec<(&str, Option<NaiveDate>)> = Vec::new();
        for s in &self.sections {
            match sources.iter_mut().find(|(name, _)| *name == s.source) {
                Some((_, as_of)) => *as_of = (*as_of).max(s.as_of),
                None => sources.push((s.source.as_str(), s.as_of)),
            }
        }
        if sources.is_empty() {
            return "none".into();
        }
        sources
            .iter()
            .map(|(name, as_of)| match as_of {
                Some(d) => format!("{name} as of {}", crate::dates::format_long(*d)),
                None => (*name).to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl CareRecord {
    /// A record of the current schema version with nothing known yet but the child.
    pub fn new(child: Child) -> Self {
        CareRecord {
            schema_version: SCHEMA_VERSION,
            child,
            periods_of_care: Vec::new(),
            placements: Vec::new(),
            iro_assignments: Vec::new(),
            virtual_mental_health_lead: None,
            reviews: Vec::new(),
            next_review: None,
            health: Health::default(),
            caregivers: Vec::new(),
            education: None,
            leaving_care: None,
            provenance: None,
        }
    }

    /// Whether the record's sources supplied `section` (see [`Provenance::supplies`]). A record
    /// without provenance supplied everything.
    pub fn supplied(&self, section: Section) -> bool {
        self.provenance.as_ref().is_none_or(|p| p.supplies(section))
    }

    /// The first of `sections` the record's sources did not supply, if any.
    pub fn unsupplied(&self, sections: &[Section]) -> Option<Section> {
        sections.iter().copied().find(|s| !self.supplied(*s))
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ymd;

    #[test]
    fn a_record_without_provenance_supplied_everything() {
        let r: CareRecord = serde_json::from_str(r#"{"schema_version": 1}"#).unwrap();
        assert!(Section::ALL.iter().all(|s| r.supplied(*s)));
        assert_eq!(r.unsupplied(&Section::ALL), None);
    }

    #[test]
    fn ssda903_supplies_its_sections_and_no_others() {
        let r: CareRecord = serde_json::from_str(
            r#"{"provenance": {"sections": [
                {"section": "child", "source": "ssda903", "as_of": "2025-03-31"},
                {"section": "periods_of_care", "source": "ssda903", "as_of": "2025-03-31"},
                {"section": "placements.dates", "source": "ssda903", "as_of": "2025-03-31"},
                {"section": "reviews.dates", "source": "ssda903", "as_of": "2025-03-31"},
                {"section": "reviews.participation", "source": "ssda903", "as_of": "2025-03-31"},
                {"section": "health.sdq", "source": "ssda903", "as_of": "2025-03-31"}
            ]}}"#,
        )
        .unwrap();
        assert_eq!(
            r.provenance,
            Some(Provenance::from_source(
                "ssda903",
                Some(ymd(2025, 3, 31)),
                &Section::SSDA903
            ))
        );
        for s in Section::SSDA903 {
            assert!(r.supplied(s), "{s:?}");
        }
        for s in [
            Section::IroAssignments,
            Section::HealthAssessments,
            Section::DentalChecks,
            Section::Caregivers,
            Section::VirtualMentalHealthLead,
            Section::ReviewMentalHealth,
            Section::ReviewPreparation,
            Section::PlacementOutOfArea,
            Section::PlacementHealth,
            Section::Education,
            Section::PepReviews,
            Section::LeavingCare,
            // Wholes with only some parts supplied are not supplied.
            Section::Reviews,
            Section::Health,
            Section::Placements,
        ] {
            assert!(!r.supplied(s), "{s:?}");
        }
        assert_eq!(
            r.unsupplied(&[
                Section::PeriodsOfCare,
                Section::ReviewDates,
                Section::IroAssignments
            ]),
            Some(Section::IroAssignments)
        );
        assert_eq!(
            r.provenance.as_ref().unwrap().sources_text(),
            "ssda903 as of 31 Mar 2025"
        );
    }

    #[test]
    fn a_whole_supplies_its_parts_and_all_parts_make_the_whole() {
        let p = Provenance::from_source("case-system", None, &[Section::Health]);
        assert!(p.supplies(Section::Sdq));
        assert!(p.supplies(Section::MentalHealthReferrals));
        assert!(!p.supplies(Section::Reviews));
        let parts: Vec<Section> = Section::Education.parts().collect();
        assert_eq!(
            parts,
            [
                Section::School,
                Section::DesignatedTeacher,
                Section::PepReviews
            ]
        );
        let p = Provenance::from_source("school-system", Some(ymd(2025, 7, 18)), &parts);
        assert!(p.supplies(Section::Education));
        assert_eq!(p.sources_text(), "school-system as of 18 Jul 2025");
        // Names round-trip and every part names its whole.
        for s in Section::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            if let Some(whole) = s.whole() {
                assert!(
                    s.as_str().starts_with(&format!("{}.", whole.as_str())),
                    "{s:?}"
                );
            }
        }
        assert!(serde_json::from_str::<Section>(r#""reviews.chair""#).is_ok());
        assert!(serde_json::from_str::<Section>(r#""reviews.accompaniment""#).is_err());
    }

    #[test]
    fn schema_version_1_records_stay_valid() {
        // A record as written before provenance, with an accompaniment at a review.
        let r: CareRecord = serde_json::from_str(
            r#"{"schema_version": 1, "reviews": [{"date": "2025-01-22",
                "accompaniment": {"asked": true, "chosen": "aunt"}}],
               "health": {"mental_health_assessments": [{"date": "2025-02-01", "by": "CAMHS"}]}}"#,
        )
        .unwrap();
        assert_eq!(r.schema_version, SCHEMA_VERSION);
        assert!(r.provenance.is_none());
        assert_eq!(r.health.mental_health_assessments[0].accompaniment, None);
        // Nothing of 1.1: the review's preparation is not recorded, and no review is planned.
        assert_eq!(r.reviews[0].preparation, None);
        assert_eq!(r.next_review, None);
    }

    #[test]
    fn a_1_1_record_reads_its_review_preparation() {
        let r: CareRecord = serde_json::from_str(
            r#"{"schema_version": 1,
               "reviews": [{"date": "2025-03-12", "preparation": {
                   "planned_date": "2025-03-10", "child_consulted": "2025-03-01",
                   "papers": {"care_plan": "2025-03-05", "pep": "2025-03-11"},
                   "decisions_circulated": "2025-03-18"}}],
               "next_review": {"planned_date": "2025-09-10", "papers": {"health_plan": "2025-09-01"}}}"#,
        )
        .unwrap();
        let p = r.reviews[0].preparation.as_ref().unwrap();
        assert_eq!(p.planned_date, Some(ymd(2025, 3, 10)));
        assert_eq!(p.papers.care_plan, Some(ymd(2025, 3, 5)));
        assert_eq!(p.papers.health_plan, None);
        assert_eq!(p.iro_spoke_with_child, None);
        assert_eq!(p.record_circulated, None);
        let next = r.next_review.as_ref().unwrap();
        assert_eq!(next.planned_date, ymd(2025, 9, 10));
        assert_eq!(next.papers.health_plan, Some(ymd(2025, 9, 1)));
        // A review not yet held has nothing to circulate: the field is refused.
        assert!(
            serde_json::from_str::<CareRecord>(
                r#"{"next_review": {"planned_date": "2025-09-10", "decisions_circulated": "2025-09-12"}}"#
            )
            .is_err()
        );
        // A whole `reviews` supplies its preparation; the return's parts do not.
        assert!(
            Provenance::from_source("case-system", None, &[Section::Reviews])
                .supplies(Section::ReviewPreparation)
        );
        assert!(
            !Provenance::from_source("ssda903", None, &Section::SSDA903)
                .supplies(Section::ReviewPreparation)
        );
    }
}
