"""The report's words in Dutch (the default: its readers are Dutch policymakers) and English.
Numbers, money and dates are written by csgsim.ui.formatting.Numbers in the reader's locale."""

from __future__ import annotations

from typing import Any

from csgsim.ui.formatting import Numbers, target_words

LANGS = ("nl", "en")

TEXT: dict[str, dict[str, str]] = {
    "title": {"nl": "Piket van de Centra Seksueel Geweld: capaciteit en kosten",
              "en": "On-call duty of the Sexual Assault Centres: capacity and costs"},
    "subtitle": {"nl": "{scenario}. Gesimuleerde periode: {period}. {reps} herhalingen, seed {seed}.",
                 "en": "{scenario}. Simulated period: {period}. {reps} replications, seed {seed}."},
    "reps_note": {"nl": "Dit rapport rekent met {reps} herhalingen: het 95%-interval van de meldingen per jaar is "
                        "±{half} (±{rel} van het gemiddelde). Meer herhalingen geven smallere intervallen "
                        "(--replications).",
                  "en": "This report uses {reps} replications: the 95% interval of the reports per year is ±{half} "
                        "(±{rel} of the mean). More replications give narrower intervals (--replications)."},
    "key_figures": {"nl": "Kerncijfers", "en": "Key figures"},
    "kf_reports": {"nl": "Meldingen per jaar (acuut en niet-acuut)", "en": "Reports per year (acute and non-acute)"},
    "kf_total": {"nl": "Kosten piket per jaar, {scope}", "en": "Cost of the on-call duty per year, {scope}"},
    "kf_per_case": {"nl": "Kosten per melding", "en": "Cost per report"},
    "kf_fixed": {"nl": "Waarvan vaste kosten (piketvergoeding, coördinatie, scholing en netwerk)",
                 "en": "Of which fixed costs (on-call allowance, coordination, training and network)"},
    "kf_p95": {"nl": "Tijd tot eerste contact bij acute meldingen, 95e percentiel (norm {norm} min)",
               "en": "Time to first contact for acute reports, 95th percentile (norm {norm} min)"},
    "kf_plus_one_region": {"nl": "Eén casemanager extra kost per jaar", "en": "One more casemanager costs per year"},
    "scope_national": {"nl": "alle regio's samen", "en": "all regions together"},
    "regions_covered": {"nl": "Regio's in dit rapport: {names}.", "en": "Regions in this report: {names}."},
    "kf_plus_one": {"nl": "Eén casemanager extra per regio kost alle regio's samen per jaar",
                    "en": "One more casemanager per region costs all regions together per year"},
    "kf_norm": {"nl": "Acute meldingen met eerste contact binnen de norm ({norm} min), alle herhalingen samen",
                "en": "Acute reports with first contact within the norm ({norm} min), all replications pooled"},
    "kf_budget": {"nl": "Regio's binnen de gepubliceerde budgetten {year} ({band})",
                  "en": "Regions inside the published budgets {year} ({band})"},
    "ci_note": {"nl": "Gemiddelde over herhalingen met 95%-betrouwbaarheidsinterval tussen haken.",
                "en": "Mean over replications with the 95% confidence interval in brackets."},
    "s_demand": {"nl": "1. Vraag naar hulp", "en": "1. Demand for help"},
    "demand_outlook": {"nl": "Verwachte meldingen per jaar, {scope}, zonder en met de Wet seksuele misdrijven "
                             "(1 juli 2024) bij een lage, centrale en hoge toename. Band: 95% toevalsvariatie "
                             "(Poisson) rond de centrale verwachting; onzekerheid in niveau en groei zit er niet in.",
                       "en": "Expected reports per year, {scope}, without and with the Sexual Offences Act "
                             "(1 July 2024) at a low, central and high uplift. Band: 95% chance variation "
                             "(Poisson) around the central expectation; uncertainty in level and growth is not in it."},
    "outlook_missing": {"nl": "Vooruitzicht niet beschikbaar: {file} niet gevonden (geef --outlook BESTAND met een "
                              "experiment met varianten van gebeurtenissen).",
                        "en": "Outlook not available: {file} not found (pass --outlook FILE with an experiment of "
                              "event variants)."},
    "weekly": {"nl": "Acute meldingen per week, {scope}, {period} (weken maandag-zondag; onvolledige weken aan "
                     "het begin en eind zijn weggelaten). Lijn: gemiddelde; band: 5-95% van de herhalingen.",
               "en": "Acute reports per week, {scope}, {period} (weeks Monday-Sunday; partial weeks at the start "
                     "and end left out). Line: mean; band: 5-95% of the replications."},
    "weeks": {"nl": "Rustige en drukke weken per regio: het aandeel volle weken zonder acute melding en met 5 of meer "
                    "(wat casemanagers zelf 'heel zwaar' noemen).",
              "en": "Quiet and busy weeks per region: the share of full weeks without an acute report and with 5 or "
                    "more (what casemanagers themselves call 'very heavy')."},
    "acute_in_period": {"nl": "Acute meldingen in de periode", "en": "Acute reports in the period"},
    "zero_weeks": {"nl": "Weken zonder acute melding", "en": "Weeks without an acute report"},
    "heavy_weeks": {"nl": "Weken met 5+ acute meldingen", "en": "Weeks with 5+ acute reports"},
    "s_team": {"nl": "2. Team en piketlijnen", "en": "2. Team and on-call lines"},
    "team_now": {"nl": "Team in het model (aanname per regio, niet het werkelijke rooster).",
                 "en": "Team in the model (an assumption per region, not the real roster)."},
    "sizing_missing": {"nl": "Aanbevolen team per regio: niet berekend in dit rapport (met {why} wel; dat duurt "
                             "enkele minuten).",
                       "en": "Recommended team per region: not computed in this report (it is with {why}, which takes "
                             "a few minutes)."},
    "sizing": {"nl": "Per regio twee antwoorden, apart bepaald (csgsim size) voor {demand}, met {confidence} "
                     "gezamenlijke zekerheid: het kleinste aantal casemanagers op piket dat de piketdoelen haalt "
                     "({oncall}), en de uren casewerk per week die dat team nodig heeft voor de casewerkdoelen "
                     "({casework}), naast de contracturen van het scenario. Bindend: het doel dat één kleiner niet "
                     "haalt. 'Hoogstens': genoeg, maar kleiner is binnen het maximum aantal herhalingen niet beslist. "
                     "Zonder antwoord voor de mensen zijn de uren bepaald bij het team van het scenario.",
               "en": "Two answers per region, sized apart (csgsim size) for {demand}, with {confidence} joint "
                     "confidence: the fewest casemanagers on call meeting the on-call targets ({oncall}), and the "
                     "casework hours a week that team needs for the casework targets ({casework}), beside the "
                     "scenario's contracted hours. Binding: the target one fewer fails. 'At most': enough, but "
                     "smaller is not settled within the cap on replications. Without a people answer the hours "
                     "are sized at the scenario's team."},
    "demand_central": {"nl": "de centrale prognose (onzekerheid van de invoer op haar midden, alleen toeval varieert)",
                       "en": "the central forecast (input uncertainty held at its centre, only chance varies)"},
    "demand_factor": {"nl": "{value} × het niveau van het scenario", "en": "{value} x the scenario's level"},
    "demand_reports": {"nl": "{value} acute meldingen per jaar", "en": "{value} acute reports a year"},
    "demand_percentile": {"nl": "het {value}e percentiel van de onzekerheid van het niveau",
                          "en": "the {value}th percentile of the level's input uncertainty"},
    "on_call_needed": {"nl": "Op piket nodig", "en": "Needed on call"},
    "casework_needed": {"nl": "Casewerk nodig (uur/week)", "en": "Casework needed (h/week)"},
    "contracted": {"nl": "Contracturen scenario (uur/week)", "en": "Contracted in scenario (h/week)"},
    "binding_hours": {"nl": "Bindend doel (uren)", "en": "Binding target (hours)"},
    "at_most": {"nl": "hoogstens {n}", "en": "at most {n}"},
    "each": {"nl": "{h} per persoon", "en": "{h} each"},
    "binding": {"nl": "Bindend doel", "en": "Binding target"},
    "detail": {"nl": "Toelichting (uit csgsim size)", "en": "Detail (from csgsim size)"},
    "answer": {"nl": "antwoord", "en": "answer"},
    "none_meets": {"nl": "geen grootte haalt alle doelen", "en": "no size meets every target"},
    "not_settled": {"nl": "niet beslist", "en": "not settled"},
    "s_delays": {"nl": "3. Wachttijden tegen de norm", "en": "3. Delays against the norm"},
    "delays": {"nl": "Tijd van melding tot eerste contact met een casemanager (acuut), 95e percentiel per regio, "
                     "met de norm van {norm} minuten.",
               "en": "Time from report to first contact with a casemanager (acute), 95th percentile per region, "
                     "with the norm of {norm} minutes."},
    "s_load": {"nl": "4. Belasting per persoon", "en": "4. Load per person"},
    "load": {"nl": "Meeste piketdagen van één casemanager in 4 weken, tegen de wettelijke grens van {limit} "
                   "(Arbeidstijdenwet, consignatie); en nachtelijke uitrukken (00-06 uur) per casemanager per 16 weken.",
             "en": "Most on-call days of one casemanager in 4 weeks, against the legal limit of {limit} "
                   "(Working Hours Act, consignatie); and night call-outs (00-06) per casemanager per 16 weeks."},
    "callins": {"nl": "Inroepen: collega's die buiten hun rooster worden gebeld omdat de dienst en de achterwacht "
                      "bezet of onbereikbaar zijn (per teamlid per 4 weken), en het aandeel acute oproepen dat zo "
                      "beantwoord wordt.",
                "en": "Call-ins: colleagues called outside their roster because the duty holder and the backup are "
                      "busy or unreachable (per team member per 4 weeks), and the share of acute calls answered so."},
    "callins_4w": {"nl": "Inroepen per 4 weken", "en": "Call-ins per 4 weeks"},
    "callin_hours_4w": {"nl": "Uren inroepwerk per 4 weken", "en": "Call-in hours per 4 weeks"},
    "answered_by_callin": {"nl": "Acute oproepen via inroepen", "en": "Acute calls answered by a call-in"},
    "s_absence": {"nl": "5. Uitval van een sleutelpersoon", "en": "5. A key person drops out"},
    "absence": {"nl": "In elke regio valt de eerste casemanager {weeks} weken uit vanaf {start}. Verschil met de "
                      "situatie zonder uitval, op dezelfde herhalingen (gepaard).",
                "en": "In every region the first casemanager is out for {weeks} weeks from {start}. Difference "
                      "from no dropout, on the same replications (paired)."},
    "no_difference": {"nl": "Geen grafiek voor {what}: het verschil is nul in elke regio en elke herhaling.",
                      "en": "No chart for {what}: the difference is zero in every region and every replication."},
    "s_costs": {"nl": "6. Kosten", "en": "6. Costs"},
    "costs_intro": {"nl": "Vaste kosten: piketvergoeding ({scheme}), de contracturen van de casemanagers (loon, ook "
                          "als het casewerk ze niet gebruikt), coördinator, scholing en netwerk. Variabele kosten: "
                          "uitrukken met toeslagen (minimaal {minimum} uur per uitruk) min de gewone uren die het "
                          "contract al betaalt, en kantoorcontacten buiten de contracturen, maal loonkosten. Bedragen "
                          "in euro van {year}.",
                    "en": "Fixed costs: on-call allowance ({scheme}), the casemanagers' contracted hours (salary, "
                          "paid whether casework uses them or not), coordinator, training and network. Variable "
                          "costs: call-outs with surcharges (at least {minimum} h each) less the plain hours the "
                          "contract already pays, and office contacts beyond the contracted hours, times wage cost. "
                          "Amounts in euros of {year}."},
    "not_priced": {"nl": "Niet geprijsd: forensisch-medisch onderzoek, voorlichting, huisvesting, overhead, "
                         "kilometers.",
                   "en": "Not priced: forensic-medical exams, publicity, housing, overhead, mileage."},
    "budget": {"nl": "Toets: model voor {year} tegen de gepubliceerde regionale budgetten {year} ({band}; "
                     "Gupta Strategists 2020 via USBO 2021).",
               "en": "Check: the model for {year} against the published regional budgets {year} ({band}; "
                     "Gupta Strategists 2020 via USBO 2021)."},
    "budget_why": {"nl": "Het totaal prijst de contracturen volledig, zoals een budget: ook de uren die het casewerk "
                         "niet gebruikt (kolom 'ongebruikte contracturen', al in het totaal). Regio's onder de band: "
                         "een budget betaalt ook voorlichting, huisvesting en overhead, die het model niet prijst. "
                         "Regio's boven de band: het aangenomen team of de coördinatie-uren zijn groter dan in {year} "
                         "bekostigd.",
                   "en": "The total prices the contracted hours in full, like a budget: also the hours casework does "
                         "not use (column 'idle contracted hours', already in the total). Regions below the band: a "
                         "budget also pays publicity, housing and overhead, which the model does not price. Regions "
                         "above the band: the assumed team or coordinator hours exceed what was funded in {year}."},
    "budget_missing": {"nl": "Budgettoets niet beschikbaar: geen regio heeft in [costs] een budget_check-band.",
                       "en": "Budget check not available: no region has a [costs] budget_check band."},
    "plus_one": {"nl": "Wat één casemanager extra per regio kost en oplevert (gepaard verschil, per jaar).",
                 "en": "What one more casemanager per region costs and buys (paired difference, per year)."},
    "schemes": {"nl": "Gevoeligheid: dezelfde herhalingen met alle regio's onder een andere piketregeling (cao), en "
                      "met werkgeverslasten van 25% en 35% (gangbaar bereik); verschil met de gekozen aannames, per jaar.",
                 "en": "Sensitivity: the same replications with every region under another on-call scheme "
                       "(collective agreement), and with employer costs of 25% and 35% (the usual range); difference "
                       "from the chosen assumptions, per year."},
    "employer": {"nl": "Werkgeverslasten {pct}", "en": "Employer costs {pct}"},
    "scheme": {"nl": "Regeling", "en": "Scheme"},
    "difference": {"nl": "Verschil", "en": "Difference"},
    "plus_line": {"nl": "Wat één piketlijn extra per regio kost en oplevert: een tweede lijn op vrijdag- en "
                        "zaterdagnacht (18-06 uur), beurtelings bij de casemanagers die dan geen dienst hebben "
                        "(aanname; gepaard verschil, per jaar).",
                  "en": "What one more on-call line per region costs and buys: a second line on Friday and Saturday "
                        "nights (18-06), held in turn by the casemanagers not on duty then (assumption; paired "
                        "difference, per year)."},
    "s_appendix": {"nl": "Bijlage: methode en herkomst", "en": "Appendix: method and provenance"},
    "method": {"nl": "Discrete-event simulatie (SimPy) per regio over echte kalendertijd. Elke herhaling trekt "
                     "eigen meldingen, duren en uitval uit eigen reeksen (numpy SeedSequence); vergelijkingen "
                     "gebruiken dezelfde herhalingen. Elk getal is een gemiddelde met een t-interval over de "
                     "herhalingen.",
               "en": "Discrete-event simulation (SimPy) per region over real calendar time. Each replication "
                     "draws its own reports, durations and absences from its own streams (numpy SeedSequence); "
                     "comparisons use the same replications. Every figure is a mean with a t-interval over "
                     "the replications."},
    "params": {"nl": "Alle parameters met hun bron of 'aanname', als genummerde noot hieronder. Een parameter van de "
                     "regio's staat één keer, met de waarde per regio, of één keer als alle regio's dezelfde hebben. "
                     "'{none}': geen bron vermeld.",
               "en": "Every parameter with its source or 'assumption', as a numbered note below. A parameter of "
                     "the regions is listed once, with the value per region, or once where every region shares it. "
                     "'{none}': no source given."},
    "notes": {"nl": "Bronnen en aannames.", "en": "Sources and assumptions."},
    "all_regions": {"nl": "alle {n} regio's", "en": "all {n} regions"},
    "manifest": {"nl": "Manifest van de run (seed, versies, scenario, commando).",
                 "en": "Manifest of the run (seed, versions, scenario, command)."},
    "source": {"nl": "bron", "en": "source"},
    "assumption": {"nl": "aanname", "en": "assumption"},
    "hours": {"nl": "uur", "en": "h"},
    "acute_contact_p95": {"nl": "Eerste contact acuut, 95e percentiel (min)", "en": "Acute first contact, 95th percentile (min)"},
    "night_callouts_per_16w": {"nl": "Nachtelijke uitrukken per 16 weken", "en": "Night call-outs per 16 weeks"},
    "outlook_note": {"nl": "Varianten van het vooruitzicht uit {file}: {names}.",
                     "en": "Outlook variants from {file}: {names}."},
    "no_provenance": {"nl": "geen bron vermeld", "en": "no source given"},
    "region": {"nl": "Regio", "en": "Region"},
    "national": {"nl": "Alle regio's", "en": "All regions"},
    "casemanagers": {"nl": "Casemanagers", "en": "Casemanagers"},
    "hours_week": {"nl": "Uur per week", "en": "Hours per week"},
    "coordinator_hours": {"nl": "Coördinator uur/week", "en": "Coordinator h/week"},
    "pattern": {"nl": "Rooster", "en": "Roster"},
    "acute_per_year": {"nl": "Acuut per jaar", "en": "Acute per year"},
    "fixed": {"nl": "Vast", "en": "Fixed"},
    "variable": {"nl": "Variabel", "en": "Variable"},
    "total": {"nl": "Totaal", "en": "Total"},
    "per_case": {"nl": "Per melding", "en": "Per report"},
    "allowance": {"nl": "Piketvergoeding", "en": "On-call allowance"},
    "coordination": {"nl": "Coördinatie", "en": "Coordination"},
    "band": {"nl": "Band", "en": "Band"},
    "inside": {"nl": "binnen", "en": "inside"},
    "below": {"nl": "onder", "en": "below"},
    "above": {"nl": "boven", "en": "above"},
    "idle": {"nl": "Ongebruikte contracturen (waarde, in totaal)", "en": "Idle contracted hours (value, in total)"},
    "why": {"nl": "Waarom", "en": "Why"},
    "why_below": {"nl": "contracturen volledig geprijsd; voorlichting, huisvesting en overhead niet",
                  "en": "contracted hours priced in full; publicity, housing and overhead are not"},
    "why_above": {"nl": "aangenomen team ({n} casemanagers, coördinator {h} uur/week) groter dan in {year} bekostigd",
                  "en": "assumed team ({n} casemanagers, coordinator {h} h/week) larger than funded in {year}"},
    "reports": {"nl": "Meldingen", "en": "Reports"},
    "key": {"nl": "Parameter", "en": "Parameter"},
    "value": {"nl": "Waarde", "en": "Value"},
    "provenance": {"nl": "Herkomst", "en": "Provenance"},
    "cost_total": {"nl": "Kosten per jaar", "en": "Cost per year"},
    "duties_per_4w": {"nl": "Diensten per 4 weken", "en": "Duties per 4 weeks"},
    "max_oncall_days_per_4w": {"nl": "Max. piketdagen per 4 weken", "en": "Max on-call days per 4 weeks"},
    "acute_contact_within_norm": {"nl": "Contact binnen norm", "en": "Contact within norm"},
    "gap_hours": {"nl": "Uren zonder bereikbare casemanager {per}", "en": "Hours with no one reachable {per}"},
    "per_year": {"nl": "per jaar", "en": "per year"},
    "per_days": {"nl": "in {days} dagen", "en": "in {days} days"},
    "extra_duties_per_4w": {"nl": "Overgenomen diensten per 4 weken", "en": "Duties taken over per 4 weeks"},
    "followup_on_time": {"nl": "Nazorgcontacten op tijd", "en": "Follow-up contacts on time"},
    "intake_within_norm": {"nl": "Intakes binnen norm", "en": "Intakes within norm"},
    "norm": {"nl": "norm", "en": "norm"},
    "legal_limit": {"nl": "wettelijke grens", "en": "legal limit"},
    "p95": {"nl": "95e percentiel (min)", "en": "95th percentile (min)"},
    "oncall_days": {"nl": "piketdagen in 4 weken (max.)", "en": "on-call days in 4 weeks (max)"},
    "night": {"nl": "nachtelijke uitrukken per 16 weken", "en": "night call-outs per 16 weeks"},
    "reports_per_year": {"nl": "meldingen per jaar", "en": "reports per year"},
    "reports_per_week": {"nl": "acute meldingen per week", "en": "acute reports per week"},
    "eur_per_year": {"nl": "euro per jaar", "en": "euros per year"},
    "baseline": {"nl": "zonder wet", "en": "without the act"},
    "low": {"nl": "laag", "en": "low"},
    "central": {"nl": "centraal", "en": "central"},
    "high": {"nl": "hoog", "en": "high"},
    "band_label": {"nl": "95% toevalsband (centraal)", "en": "95% chance band (central)"},
    "budget_band": {"nl": "budgetten {year}", "en": "budgets {year}"},
    "model_year": {"nl": "model {year}", "en": "model {year}"},
}


def t(lang: str, key: str, **kw: object) -> str:
    return TEXT[key][lang].format(**kw) if kw else TEXT[key][lang]


def demand_text(f: Numbers, plan: Any) -> str:
    """The planning demand a sizing ran at (csgsim.studies.casework.DemandPlan) in the page's language."""
    return t(f.lang, f"demand_{plan.kind}", value=f.given(plan.value))  # as given: 1.5, 250, 80


def target_text(f: Numbers, target: Any, days: int) -> str:
    """A sizing target in the page's words, e.g. 'Nazorgcontacten op tijd ≥ 95%': the report's
    name for the metric (the terminal's label where it has none), the bound in the metric's unit."""
    return target_words(target, f, metric_label(f.lang, target.metric, days) if target.metric in TEXT else None)


def metric_label(lang: str, metric: str, days: int) -> str:
    """A metric's name; counts over the simulated period say which period ('per year' for a year)."""
    if metric == "gap_hours":
        per = t(lang, "per_year") if days in (365, 366) else t(lang, "per_days", days=days)
        return t(lang, metric, per=per)
    return t(lang, metric)
