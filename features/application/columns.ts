/**
 * The application record: the columns of application_train.csv that describe an applicant (no SK_ID_CURR,
 * no TARGET), with their kinds and a human description. The warehouse table schema, the API's
 * request schema and the application features all derive from this one list.
 */
export type ApplicationColumnKind = "int" | "float" | "text";

export interface ApplicationColumn {
  readonly name: string;
  readonly kind: ApplicationColumnKind;
  readonly description: string;
}

type Row = readonly [name: string, kind: ApplicationColumnKind, description: string];

// Descriptions follow HomeCredit_columns_description.csv, shortened where the original runs long.
const ROWS: readonly Row[] = [
  ["NAME_CONTRACT_TYPE", "text", "Identification if loan is cash or revolving"],
  ["CODE_GENDER", "text", "Gender of the client"],
  ["FLAG_OWN_CAR", "text", "Flag if the client owns a car"],
  ["FLAG_OWN_REALTY", "text", "Flag if client owns a house or flat"],
  ["CNT_CHILDREN", "int", "Number of children the client has"],
  ["AMT_INCOME_TOTAL", "float", "Income of the client"],
  ["AMT_CREDIT", "float", "Credit amount of the loan"],
  ["AMT_ANNUITY", "float", "Loan annuity"],
  ["AMT_GOODS_PRICE", "float", "For consumer loans it is the price of the goods for which the loan is given"],
  ["NAME_TYPE_SUITE", "text", "Who was accompanying client when he was applying for the loan"],
  ["NAME_INCOME_TYPE", "text", "Clients income type (businessman, working, maternity leave,\u0085)"],
  ["NAME_EDUCATION_TYPE", "text", "Level of highest education the client achieved"],
  ["NAME_FAMILY_STATUS", "text", "Family status of the client"],
  [
    "NAME_HOUSING_TYPE",
    "text",
    "What is the housing situation of the client (renting, living with parents, ...)",
  ],
  ["REGION_POPULATION_RELATIVE", "float", "Normalized population of region where client lives"],
  ["DAYS_BIRTH", "int", "Client's age in days at the time of application"],
  ["DAYS_EMPLOYED", "int", "How many days before the application the person started current employment"],
  ["DAYS_REGISTRATION", "float", "How many days before the application did client change his registration"],
  [
    "DAYS_ID_PUBLISH",
    "int",
    "How many days before the application the client changed the identity document used to apply",
  ],
  ["OWN_CAR_AGE", "float", "Age of client's car"],
  ["FLAG_MOBIL", "int", "Did client provide mobile phone (1=YES, 0=NO)"],
  ["FLAG_EMP_PHONE", "int", "Did client provide work phone (1=YES, 0=NO)"],
  ["FLAG_WORK_PHONE", "int", "Did client provide home phone (1=YES, 0=NO)"],
  ["FLAG_CONT_MOBILE", "int", "Was mobile phone reachable (1=YES, 0=NO)"],
  ["FLAG_PHONE", "int", "Did client provide home phone (1=YES, 0=NO)"],
  ["FLAG_EMAIL", "int", "Did client provide email (1=YES, 0=NO)"],
  ["OCCUPATION_TYPE", "text", "What kind of occupation does the client have"],
  ["CNT_FAM_MEMBERS", "float", "How many family members does client have"],
  ["REGION_RATING_CLIENT", "int", "Our rating of the region where client lives (1,2,3)"],
  [
    "REGION_RATING_CLIENT_W_CITY",
    "int",
    "Our rating of the region where client lives with taking city into account (1,2,3)",
  ],
  ["WEEKDAY_APPR_PROCESS_START", "text", "On which day of the week did the client apply for the loan"],
  ["HOUR_APPR_PROCESS_START", "int", "Approximately at what hour did the client apply for the loan"],
  [
    "REG_REGION_NOT_LIVE_REGION",
    "int",
    "Flag if client's permanent address does not match contact address (1=different, 0=same, at region level)",
  ],
  [
    "REG_REGION_NOT_WORK_REGION",
    "int",
    "Flag if client's permanent address does not match work address (1=different, 0=same, at region level)",
  ],
  [
    "LIVE_REGION_NOT_WORK_REGION",
    "int",
    "Flag if client's contact address does not match work address (1=different, 0=same, at region level)",
  ],
  [
    "REG_CITY_NOT_LIVE_CITY",
    "int",
    "Flag if client's permanent address does not match contact address (1=different, 0=same, at city level)",
  ],
  [
    "REG_CITY_NOT_WORK_CITY",
    "int",
    "Flag if client's permanent address does not match work address (1=different, 0=same, at city level)",
  ],
  [
    "LIVE_CITY_NOT_WORK_CITY",
    "int",
    "Flag if client's contact address does not match work address (1=different, 0=same, at city level)",
  ],
  ["ORGANIZATION_TYPE", "text", "Type of organization where client works"],
  ["EXT_SOURCE_1", "float", "Normalized score from external data source"],
  ["EXT_SOURCE_2", "float", "Normalized score from external data source"],
  ["EXT_SOURCE_3", "float", "Normalized score from external data source"],
  ["APARTMENTS_AVG", "float", "Building where the client lives: apartment size (normalised, average)"],
  ["BASEMENTAREA_AVG", "float", "Building where the client lives: basement area (normalised, average)"],
  [
    "YEARS_BEGINEXPLUATATION_AVG",
    "float",
    "Building where the client lives: years since start of use (normalised, average)",
  ],
  ["YEARS_BUILD_AVG", "float", "Building where the client lives: building age (normalised, average)"],
  ["COMMONAREA_AVG", "float", "Building where the client lives: common area (normalised, average)"],
  ["ELEVATORS_AVG", "float", "Building where the client lives: number of elevators (normalised, average)"],
  ["ENTRANCES_AVG", "float", "Building where the client lives: number of entrances (normalised, average)"],
  ["FLOORSMAX_AVG", "float", "Building where the client lives: highest floor (normalised, average)"],
  ["FLOORSMIN_AVG", "float", "Building where the client lives: lowest floor (normalised, average)"],
  ["LANDAREA_AVG", "float", "Building where the client lives: land area (normalised, average)"],
  [
    "LIVINGAPARTMENTS_AVG",
    "float",
    "Building where the client lives: living apartments (normalised, average)",
  ],
  ["LIVINGAREA_AVG", "float", "Building where the client lives: living area (normalised, average)"],
  [
    "NONLIVINGAPARTMENTS_AVG",
    "float",
    "Building where the client lives: non-living apartments (normalised, average)",
  ],
  ["NONLIVINGAREA_AVG", "float", "Building where the client lives: non-living area (normalised, average)"],
  ["APARTMENTS_MODE", "float", "Building where the client lives: apartment size (normalised, mode)"],
  ["BASEMENTAREA_MODE", "float", "Building where the client lives: basement area (normalised, mode)"],
  [
    "YEARS_BEGINEXPLUATATION_MODE",
    "float",
    "Building where the client lives: years since start of use (normalised, mode)",
  ],
  ["YEARS_BUILD_MODE", "float", "Building where the client lives: building age (normalised, mode)"],
  ["COMMONAREA_MODE", "float", "Building where the client lives: common area (normalised, mode)"],
  ["ELEVATORS_MODE", "float", "Building where the client lives: number of elevators (normalised, mode)"],
  ["ENTRANCES_MODE", "float", "Building where the client lives: number of entrances (normalised, mode)"],
  ["FLOORSMAX_MODE", "float", "Building where the client lives: highest floor (normalised, mode)"],
  ["FLOORSMIN_MODE", "float", "Building where the client lives: lowest floor (normalised, mode)"],
  ["LANDAREA_MODE", "float", "Building where the client lives: land area (normalised, mode)"],
  ["LIVINGAPARTMENTS_MODE", "float", "Building where the client lives: living apartments (normalised, mode)"],
  ["LIVINGAREA_MODE", "float", "Building where the client lives: living area (normalised, mode)"],
  [
    "NONLIVINGAPARTMENTS_MODE",
    "float",
    "Building where the client lives: non-living apartments (normalised, mode)",
  ],
  ["NONLIVINGAREA_MODE", "float", "Building where the client lives: non-living area (normalised, mode)"],
  ["APARTMENTS_MEDI", "float", "Building where the client lives: apartment size (normalised, median)"],
  ["BASEMENTAREA_MEDI", "float", "Building where the client lives: basement area (normalised, median)"],
  [
    "YEARS_BEGINEXPLUATATION_MEDI",
    "float",
    "Building where the client lives: years since start of use (normalised, median)",
  ],
  ["YEARS_BUILD_MEDI", "float", "Building where the client lives: building age (normalised, median)"],
  ["COMMONAREA_MEDI", "float", "Building where the client lives: common area (normalised, median)"],
  ["ELEVATORS_MEDI", "float", "Building where the client lives: number of elevators (normalised, median)"],
  ["ENTRANCES_MEDI", "float", "Building where the client lives: number of entrances (normalised, median)"],
  ["FLOORSMAX_MEDI", "float", "Building where the client lives: highest floor (normalised, median)"],
  ["FLOORSMIN_MEDI", "float", "Building where the client lives: lowest floor (normalised, median)"],
  ["LANDAREA_MEDI", "float", "Building where the client lives: land area (normalised, median)"],
  [
    "LIVINGAPARTMENTS_MEDI",
    "float",
    "Building where the client lives: living apartments (normalised, median)",
  ],
  ["LIVINGAREA_MEDI", "float", "Building where the client lives: living area (normalised, median)"],
  [
    "NONLIVINGAPARTMENTS_MEDI",
    "float",
    "Building where the client lives: non-living apartments (normalised, median)",
  ],
  ["NONLIVINGAREA_MEDI", "float", "Building where the client lives: non-living area (normalised, median)"],
  ["FONDKAPREMONT_MODE", "text", "Building where the client lives: capital repairs fund (normalised, mode)"],
  ["HOUSETYPE_MODE", "text", "Building where the client lives: house type (normalised, mode)"],
  ["TOTALAREA_MODE", "float", "Building where the client lives: total area (normalised, mode)"],
  ["WALLSMATERIAL_MODE", "text", "Building where the client lives: walls material (normalised, mode)"],
  ["EMERGENCYSTATE_MODE", "text", "Building where the client lives: emergency state (normalised, mode)"],
  [
    "OBS_30_CNT_SOCIAL_CIRCLE",
    "float",
    "Observations of the client's social surroundings with 30 days-past-due default",
  ],
  [
    "DEF_30_CNT_SOCIAL_CIRCLE",
    "float",
    "Observations of client's social surroundings defaulted on 30 DPD (days past due)",
  ],
  [
    "OBS_60_CNT_SOCIAL_CIRCLE",
    "float",
    "Observations of the client's social surroundings with 60 days-past-due default",
  ],
  [
    "DEF_60_CNT_SOCIAL_CIRCLE",
    "float",
    "Observations of client's social surroundings defaulted on 60 (days past due) DPD",
  ],
  ["DAYS_LAST_PHONE_CHANGE", "float", "How many days before application did client change phone"],
  ["FLAG_DOCUMENT_2", "int", "Did the client provide document 2"],
  ["FLAG_DOCUMENT_3", "int", "Did the client provide document 3"],
  ["FLAG_DOCUMENT_4", "int", "Did the client provide document 4"],
  ["FLAG_DOCUMENT_5", "int", "Did the client provide document 5"],
  ["FLAG_DOCUMENT_6", "int", "Did the client provide document 6"],
  ["FLAG_DOCUMENT_7", "int", "Did the client provide document 7"],
  ["FLAG_DOCUMENT_8", "int", "Did the client provide document 8"],
  ["FLAG_DOCUMENT_9", "int", "Did the client provide document 9"],
  ["FLAG_DOCUMENT_10", "int", "Did the client provide document 10"],
  ["FLAG_DOCUMENT_11", "int", "Did the client provide document 11"],
  ["FLAG_DOCUMENT_12", "int", "Did the client provide document 12"],
  ["FLAG_DOCUMENT_13", "int", "Did the client provide document 13"],
  ["FLAG_DOCUMENT_14", "int", "Did the client provide document 14"],
  ["FLAG_DOCUMENT_15", "int", "Did the client provide document 15"],
  ["FLAG_DOCUMENT_16", "int", "Did the client provide document 16"],
  ["FLAG_DOCUMENT_17", "int", "Did the client provide document 17"],
  ["FLAG_DOCUMENT_18", "int", "Did the client provide document 18"],
  ["FLAG_DOCUMENT_19", "int", "Did the client provide document 19"],
  ["FLAG_DOCUMENT_20", "int", "Did the client provide document 20"],
  ["FLAG_DOCUMENT_21", "int", "Did the client provide document 21"],
  [
    "AMT_REQ_CREDIT_BUREAU_HOUR",
    "float",
    "Number of enquiries to Credit Bureau about the client one hour before application",
  ],
  [
    "AMT_REQ_CREDIT_BUREAU_DAY",
    "float",
    "Number of enquiries to Credit Bureau about the client one day before application",
  ],
  [
    "AMT_REQ_CREDIT_BUREAU_WEEK",
    "float",
    "Number of enquiries to Credit Bureau about the client one week before application",
  ],
  [
    "AMT_REQ_CREDIT_BUREAU_MON",
    "float",
    "Number of enquiries to Credit Bureau about the client one month before application",
  ],
  [
    "AMT_REQ_CREDIT_BUREAU_QRT",
    "float",
    "Number of enquiries to Credit Bureau about the client 3 month before application",
  ],
  [
    "AMT_REQ_CREDIT_BUREAU_YEAR",
    "float",
    "Number of enquiries to Credit Bureau about the client one day year",
  ],
];

export const APPLICATION_COLUMNS: readonly ApplicationColumn[] = ROWS.map(([name, kind, description]) => ({
  name,
  kind,
  description,
}));

export const APPLICATION_COLUMN_NAMES: ReadonlySet<string> = new Set(APPLICATION_COLUMNS.map((c) => c.name));

/** A raw application: column name to value; absent, null and empty values all mean "missing". */
export type ApplicationRecord = Readonly<Record<string, number | string | null | undefined>>;

/**
 * A record from its entries in one Object.fromEntries, not a property store per column: V8 turns an object
 * that gets more than a dozen properties by computed-key stores into a dictionary, and the decision record
 * holding it then serialises ~4× slower in workerd (JSON.stringify of 100 records: ~5.7 ms against ~1.2).
 */
export function fastRecord(
  entries: readonly (readonly [string, number | string])[],
): Record<string, number | string> {
  return Object.fromEntries(entries);
}

/**
 * An application as its values in APPLICATION_COLUMNS order: what a parser that knows the columns produces
 * without naming each, and what the features read by position (by name, every read is a hash lookup).
 */
export type ApplicationValues = readonly (number | string | null | undefined)[];

const COLUMN_NAMES = APPLICATION_COLUMNS.map((c) => c.name);

const COLUMN_POSITION = new Map(COLUMN_NAMES.map((name, i) => [name, i]));

/** A record's values in APPLICATION_COLUMNS order. */
export function applicationValues(record: ApplicationRecord): ApplicationValues {
  const values = new Array<number | string | null | undefined>(COLUMN_NAMES.length).fill(undefined);
  // The record's own keys, each placed by position: records (fastRecord) differ in shape by their missing
  // columns, and ~120 reads by name of such objects cost ~2× this loop in workerd (measured).
  for (const name in record) {
    const at = COLUMN_POSITION.get(name);
    if (at !== undefined) values[at] = record[name];
  }
  return values;
}

/** The position of each named column in APPLICATION_COLUMNS; an unknown name fails when the module loads. */
export function columnPositions<const N extends string>(names: readonly N[]): Readonly<Record<N, number>> {
  const positions = {} as Record<N, number>;
  for (const name of names) {
    const at = COLUMN_NAMES.indexOf(name);
    if (at === -1) throw new Error(`no application column ${name}`);
    positions[name] = at;
  }
  return positions;
}
