/**
 * The reason-code table: every model input belongs to exactly one factor, and a factor, not an input, is
 * what an adverse-action notice names (ECOA / Regulation B, 12 CFR 1002.9: specific principal reasons;
 * four variants of one external score are one reason, not four). Versioned with the feature registry:
 * `REASON_CODE_TABLE_VERSION` changes whenever a factor's code, statement or membership rule changes, and
 * `factorTable` records the resolved membership for a given registry in the model card.
 *
 * Pure and portable like the registry: the Worker, `score`, training, the report and `monitor` share it.
 */
import type { FeatureDefinition } from "./registry.ts";

export const REASON_CODE_TABLE_VERSION = "rc-1";

export interface ReasonFactor {
  /** Stable identifier, sent to clients as `reason_codes[].code`. */
  readonly code: string;
  /** Short, consumer-facing wording for an adverse-action notice. */
  readonly statement: string;
  /** What the factor covers, for the model card and reviewers. */
  readonly description: string;
  /**
   * Built on the applicant's age (Regulation B, 12 CFR 1002.6(b)(2): an applicant aged 62 or over may not
   * be assigned a negative factor for age). Marked in the model card and enforced by training.
   */
  readonly ageBased?: boolean;
  /** Application features by exact name. */
  readonly inputs?: readonly string[];
  /** History features: the name's source prefix, and optionally a pattern it must (or must not) match. */
  readonly history?: {
    readonly prefixes: readonly string[];
    readonly matching?: RegExp;
    readonly except?: RegExp;
  };
}

/** Delinquency in a history table's feature name: days past due, overdue amounts, late or short payments. */
const DELINQUENT =
  /overdue|dpd|worst_status|status_[1-5]_share|sold_bad_debt|late|unpaid|underpaid|shortfall|below_min|over_limit/;
const BUREAU = ["bureau_", "bb_"];

export const REASON_FACTORS: readonly ReasonFactor[] = [
  {
    code: "EXTERNAL_SCORES",
    statement: "Low score from external credit bureaus",
    description:
      "The normalised scores from the three external data sources and the combinations derived from them.",
    inputs: [
      "EXT_SOURCE_1",
      "EXT_SOURCE_2",
      "EXT_SOURCE_3",
      "app_ext_source_mean",
      "app_ext_source_min",
      "app_ext_source_max",
      "app_ext_source_std",
      "app_ext_source_product",
      "app_ext_source_count",
      "app_ext_source_weighted",
      "app_ext_source_2x3",
      "app_ext_source_1x2",
      "app_ext_source_1x3",
    ],
  },
  {
    code: "AGE",
    statement: "Age, or time in employment, residence or identification relative to age",
    description:
      "The applicant's age and every input computed relative to it. Regulation B allows age in an empirically derived system, but never as a negative factor for an applicant aged 62 or over.",
    ageBased: true,
    inputs: [
      "DAYS_BIRTH",
      "app_employed_to_age",
      "app_registration_to_age",
      "app_id_publish_to_age",
      "app_phone_change_to_age",
      "app_car_age_to_age",
      "app_income_to_age",
      "app_credit_to_age",
    ],
  },
  {
    code: "EMPLOYMENT",
    statement: "Length or type of employment",
    description:
      "Days employed, not being employed, the income type, occupation and employer's organisation type.",
    inputs: [
      "DAYS_EMPLOYED",
      "app_not_employed",
      "NAME_INCOME_TYPE",
      "OCCUPATION_TYPE",
      "ORGANIZATION_TYPE",
      "FLAG_EMP_PHONE",
    ],
  },
  {
    code: "INCOME",
    statement: "Income insufficient for amount of credit requested",
    description:
      "Income, and the credit and repayments relative to income and to the members of the household.",
    inputs: [
      "AMT_INCOME_TOTAL",
      "app_credit_to_income",
      "app_annuity_to_income",
      "app_income_per_family_member",
      "app_income_per_child",
      "app_annuity_to_income_per_member",
    ],
  },
  {
    code: "CREDIT_REQUESTED",
    statement: "Amount, term or type of credit requested",
    description:
      "The loan applied for: amount, repayment, goods price, contract type, implied term and rate.",
    inputs: [
      "NAME_CONTRACT_TYPE",
      "AMT_CREDIT",
      "AMT_ANNUITY",
      "AMT_GOODS_PRICE",
      "app_annuity_to_credit",
      "app_credit_to_annuity",
      "app_goods_to_credit",
      "app_credit_minus_goods",
      "app_loan_term_months",
      "app_loan_annual_rate",
      "app_loan_payable_to_credit",
    ],
  },
  {
    code: "HOUSEHOLD",
    statement: "Number of dependants",
    description: "Children and household members, and who accompanied the applicant.",
    inputs: ["CNT_CHILDREN", "CNT_FAM_MEMBERS", "NAME_TYPE_SUITE", "app_children_share"],
  },
  {
    code: "HOUSING",
    statement: "Housing or ownership of property",
    description:
      "Housing type, home and car ownership, the car's age, the building's characteristics, time at the registered address.",
    inputs: [
      "FLAG_OWN_CAR",
      "FLAG_OWN_REALTY",
      "OWN_CAR_AGE",
      "NAME_HOUSING_TYPE",
      "DAYS_REGISTRATION",
      "FONDKAPREMONT_MODE",
      "HOUSETYPE_MODE",
      "TOTALAREA_MODE",
      "WALLSMATERIAL_MODE",
      "EMERGENCYSTATE_MODE",
      "app_housing_known",
    ],
  },
  {
    code: "LOCATION",
    statement: "Location of residence or work",
    description:
      "The region's population and rating, and whether the addresses of residence, registration and work differ.",
    inputs: [
      "REGION_POPULATION_RELATIVE",
      "REGION_RATING_CLIENT",
      "REGION_RATING_CLIENT_W_CITY",
      "REG_REGION_NOT_LIVE_REGION",
      "REG_REGION_NOT_WORK_REGION",
      "LIVE_REGION_NOT_WORK_REGION",
      "REG_CITY_NOT_LIVE_CITY",
      "REG_CITY_NOT_WORK_CITY",
      "LIVE_CITY_NOT_WORK_CITY",
      "app_address_mismatches",
    ],
  },
  {
    code: "CONTACT_AND_DOCUMENTS",
    statement: "Contact information or documents provided",
    description:
      "Phones and e-mail provided, when the identity document was issued and the phone last changed, documents supplied.",
    inputs: [
      "FLAG_MOBIL",
      "FLAG_WORK_PHONE",
      "FLAG_CONT_MOBILE",
      "FLAG_PHONE",
      "FLAG_EMAIL",
      "DAYS_ID_PUBLISH",
      "DAYS_LAST_PHONE_CHANGE",
      "FLAG_DOCUMENT_3",
      "app_document_count",
      "app_contact_count",
    ],
  },
  {
    code: "EDUCATION",
    statement: "Level of education",
    description: "The highest level of education reported.",
    inputs: ["NAME_EDUCATION_TYPE"],
  },
  {
    code: "APPLICATION_TIMING",
    statement: "Day or hour the application was made",
    description: "Weekday and hour at which the application process started.",
    inputs: ["WEEKDAY_APPR_PROCESS_START", "HOUR_APPR_PROCESS_START"],
  },
  {
    code: "SOCIAL_CIRCLE",
    statement: "Defaults among the applicant's social surroundings",
    description:
      "Observed and defaulted credits among the applicant's social circle (30 and 60 days past due).",
    inputs: [
      "OBS_30_CNT_SOCIAL_CIRCLE",
      "DEF_30_CNT_SOCIAL_CIRCLE",
      "OBS_60_CNT_SOCIAL_CIRCLE",
      "DEF_60_CNT_SOCIAL_CIRCLE",
      "app_social_default_rate_30",
    ],
  },
  {
    code: "CREDIT_INQUIRIES",
    statement: "Number of recent inquiries on credit bureau report",
    description:
      "Enquiries to the credit bureau about the applicant in the hour, day, week, month, quarter and year before applying.",
    inputs: [
      "AMT_REQ_CREDIT_BUREAU_HOUR",
      "AMT_REQ_CREDIT_BUREAU_DAY",
      "AMT_REQ_CREDIT_BUREAU_WEEK",
      "AMT_REQ_CREDIT_BUREAU_MON",
      "AMT_REQ_CREDIT_BUREAU_QRT",
      "AMT_REQ_CREDIT_BUREAU_YEAR",
      "app_bureau_requests",
    ],
  },
  {
    code: "BUREAU_DELINQUENCY",
    statement: "Delinquent past or present credit obligations with others",
    description:
      "Days and amounts overdue, past-due months and written-off credit reported by the credit bureau.",
    history: { prefixes: BUREAU, matching: DELINQUENT },
  },
  {
    code: "BUREAU_OBLIGATIONS",
    statement: "Excessive obligations with others",
    description: "Amounts, debts, limits and repayments of credits reported by the credit bureau.",
    history: { prefixes: BUREAU, matching: /amt_|debt|limit|annuity/, except: DELINQUENT },
  },
  {
    code: "BUREAU_HISTORY",
    statement: "Length or extent of credit history with others",
    description: "Number, age, duration, type and status of credits reported by the credit bureau.",
    history: { prefixes: BUREAU, except: new RegExp(`${DELINQUENT.source}|amt_|debt|limit|annuity`) },
  },
  {
    code: "PREVIOUS_REFUSALS",
    statement: "Previous applications declined",
    description: "Refused previous applications with the lender and the reasons recorded for them.",
    history: { prefixes: ["prev_"], matching: /refused|reject_reason/ },
  },
  {
    code: "PREVIOUS_APPLICATIONS",
    statement: "History of previous applications with us",
    description:
      "Number, amounts, terms, products, channels and outcomes of previous applications with the lender.",
    history: { prefixes: ["prev_"], except: /refused|reject_reason/ },
  },
  {
    code: "LATE_PAYMENTS_WITH_US",
    statement: "Late or missed payments on previous credit with us",
    description: "Days past due, late, short or missed instalments on the lender's previous loans and cards.",
    history: { prefixes: ["pos_", "inst_", "cc_"], matching: DELINQUENT },
  },
  {
    code: "CARD_USAGE",
    statement: "Credit card balances or drawings high relative to limits",
    description: "Balances, limits, utilisation, receivables and drawings on the lender's credit cards.",
    history: {
      prefixes: ["cc_"],
      matching: /amt_balance|utilisation|limit|receivable|recivable|drawing/,
      except: DELINQUENT,
    },
  },
  {
    code: "CARD_HISTORY",
    statement: "Length or extent of credit card history with us",
    description: "Number, age, status and payments of the lender's credit cards.",
    history: {
      prefixes: ["cc_"],
      except: new RegExp(`${DELINQUENT.source}|amt_balance|utilisation|limit|receivable|recivable|drawing`),
    },
  },
  {
    code: "LOAN_HISTORY_WITH_US",
    statement: "Length or extent of loan history with us",
    description:
      "Number, terms, instalments and payments of the lender's previous cash and point-of-sale loans.",
    history: { prefixes: ["pos_", "inst_"], except: DELINQUENT },
  },
  {
    code: "LIMITED_HISTORY",
    statement: "Limited credit experience",
    description:
      "How many of the history sources (bureau, previous applications, loans, cards, instalments) hold records of the applicant.",
    history: { prefixes: ["hist_"] },
  },
];

/** What the table reads of an input: the registry's definition or the model card's entry both have it. */
export type FactorInput = Pick<FeatureDefinition, "name" | "group" | "protected">;

function matches(factor: ReasonFactor, feature: FactorInput): boolean {
  if (feature.group === "application") return factor.inputs?.includes(feature.name) ?? false;
  const rule = factor.history;
  if (!rule?.prefixes.some((p) => feature.name.startsWith(p))) return false;
  if (rule.matching && !rule.matching.test(feature.name)) return false;
  return !rule.except?.test(feature.name);
}

export class ReasonCodeError extends Error {
  override readonly name = "ReasonCodeError";
}

/** The one factor an input belongs to; an input with none or with several is a table error. */
export function factorOf(feature: FactorInput): ReasonFactor {
  if (feature.protected)
    throw new ReasonCodeError(
      `${feature.name} is a protected attribute: it is no model input and has no factor`,
    );
  const found = REASON_FACTORS.filter((f) => matches(f, feature));
  if (found.length !== 1)
    throw new ReasonCodeError(
      found.length === 0
        ? `model input ${feature.name} belongs to no reason-code factor: add it to features/reason-codes.ts`
        : `model input ${feature.name} belongs to ${found.length} factors (${found.map((f) => f.code).join(", ")})`,
    );
  return found[0]!;
}

export interface FactorTableEntry {
  code: string;
  statement: string;
  description: string;
  age_based: boolean;
  /** The model inputs in this factor, in input order. */
  features: string[];
}

export interface FactorTable {
  version: string;
  factors: FactorTableEntry[];
  /** For each model input (in input order), the index of its factor in `factors`. */
  factor_of_input: number[];
}

/**
 * The table resolved for one model's inputs: the factors that have inputs (in table order), each with its
 * inputs, and the factor of every input. What the model card records and what scoring reads.
 */
export function factorTable(inputs: readonly FactorInput[]): FactorTable {
  const factorOfInput = inputs.map((f) => factorOf(f));
  const used = REASON_FACTORS.filter((f) => factorOfInput.includes(f));
  const factors = used.map((f) => ({
    code: f.code,
    statement: f.statement,
    description: f.description,
    age_based: f.ageBased === true,
    features: inputs.filter((_, i) => factorOfInput[i] === f).map((input) => input.name),
  }));
  return {
    version: REASON_CODE_TABLE_VERSION,
    factors,
    factor_of_input: factorOfInput.map((f) => used.indexOf(f)),
  };
}

/** The inputs of the age-based factors: what Regulation B's rule for applicants aged 62 or over covers. */
export function ageBasedInputs(inputs: readonly FactorInput[]): string[] {
  return inputs.filter((f) => !f.protected && factorOf(f).ageBased).map((f) => f.name);
}
