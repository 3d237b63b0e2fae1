"""Every word a matchmaker reads, in English and Dutch: one catalogue for the terminal, the HTML
report and the workbook.

:func:`text` gives a sentence by key; :func:`economy`, :func:`tag`, :func:`kind_meaning` and
:func:`nace` give labels of data. The language is ``--lang``, else the scenario's ``lang`` key,
else the locale (:func:`choose`).
"""

from __future__ import annotations

import csv
import io
import locale
import os
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import get_args

from pilotopt.schema.scenario import RULE_KINDS, Lang

__all__ = ["LANGS", "Lang", "choose", "economy", "economy_letter", "kind_meaning", "nace",
           "phase", "risk_words", "tag", "text", "unfilled", "wrote"]

#: The languages of the catalogue; English first (the fallback).
LANGS: tuple[Lang, ...] = get_args(Lang)

#: key -> (English, Dutch); ``{name}`` fields are filled by :func:`text`.
_TEXT: dict[str, tuple[str, str]] = {
    "kind.membership": ("an organisation may join more than one group, never one twice",
                        "een organisatie mag in meer dan een groep, nooit twee keer in dezelfde"),
    # terminal: the groups
    "groups.title": ("Pilot groups", "Proeftuinen"),
    "col.group": ("group", "groep"),
    "col.size": ("size", "leden"),
    "col.fte": ("FTE\nvs mean", "VTE\nt.o.v. gem."),
    "col.target_fte": ("target-\ngroup FTE", "doelgroep-\nVTE"),
    "col.farthest": ("farthest\npair", "verste\npaar"),
    "col.score": ("score", "score"),
    "col.score_per_member": ("score\nper member", "score\nper lid"),
    "col.rules_off": ("rules\noff", "regels\nmis"),
    "groups.caption": ("mix: {letters}; FTE and target-group FTE: the group's total and how far "
                       "it lies from the mean group; farthest: the two members farthest apart",
                       "mix: {letters}; VTE en doelgroep-VTE: totaal van de groep en hoever dat "
                       "van de gemiddelde groep ligt; verste: de twee leden die het verst uit "
                       "elkaar liggen"),
    "groups.members": ("{group} ({size} members)", "{group} ({size} leden)"),
    "groups.left_out": ("Left out ({count})", "Niet ingedeeld ({count})"),
    "groups.labels": ("Group names are labels only: no rule ties a group to a place (an "
                      "anchor rule in the scenario does).",
                      "Groepsnamen zijn enkel labels: geen regel bindt een groep aan een plaats "
                      "(een anchor-regel in het scenario doet dat)."),
    "groups.summary": (
        "{m} groups of {n} organisations: {smin} to {smax} members, complementarity per group "
        "{cmin} to {cmax}.",
        "{m} groepen met {n} organisaties: {smin} tot {smax} leden, complementariteit per groep "
        "{cmin} tot {cmax}."),
    "groups.summary_fte": (
        "FTE per group {fmin} to {fmax} (mean {fmean}); target-group FTE {tmin} to {tmax} (mean "
        "{tmean}); members at most {km} km apart.",
        "VTE per groep {fmin} tot {fmax} (gemiddeld {fmean}); doelgroep-VTE {tmin} tot {tmax} "
        "(gemiddeld {tmean}); leden hoogstens {km} km uit elkaar."),
    "groups.summary_off": ("{count} of the groups break a rule.",
                           "{count} van de groepen halen een regel niet."),
    "groups.summary_files": ("Too many groups to list here: every group with its members is in "
                             "{files}; --report and --xlsx write the report.",
                             "Te veel groepen om hier te tonen: elke groep met zijn leden staat "
                             "in {files}; --report en --xlsx schrijven het rapport."),
    "groups.summary_nofiles": ("Too many groups to list here: write them with --out, --report or "
                               "--xlsx.",
                               "Te veel groepen om hier te tonen: schrijf ze weg met --out, "
                               "--report of --xlsx."),
    # terminal: the rules
    "rules.title": ("Rules", "Regels"),
    "col.rule": ("rule", "regel"),
    "col.hard": ("", ""),
    "col.status": ("status", "stand"),
    "col.penalty": ("penalty", "boete"),
    "rule.hard": ("hard", "hard"),
    "rule.soft": ("soft", "zacht"),
    "rule.holds": ("holds", "gehaald"),
    "rule.broken": ("broken by {v}", "gebroken met {v}"),
    "rule.off": ("off by {v}", "afwijking {v}"),
    "offences.title": ("Who breaks the rules", "Wie de regels niet haalt"),
    "offences.more": ("... and {count} more (all in result.json and the report)",
                      "... en nog {count} (alle in result.json en het rapport)"),
    "risks.title": ("Drop-out risks", "Uitstaprisico's"),
    "risks.none": ("No drop-out risk: no organisation would earn more in a group that gains by "
                   "taking it without breaking a hard rule.",
                   "Geen uitstaprisico: geen organisatie zou meer opbrengen in een groep die er "
                   "zelf bij wint, zonder een harde regel te breken."),
    "risks.count": ("{count} organisation(s) would earn more in another group that gains by "
                    "taking them (its complementarity per member rises) and could, breaking no "
                    "hard rule:",
                    "{count} organisatie(s) zouden meer opbrengen in een andere groep die er zelf "
                    "bij wint (haar complementariteit per lid stijgt) en zouden kunnen "
                    "overstappen zonder een harde regel te breken:"),
    "risks.line": ("{id} ({name}) {group} -> {to}: earns {earns} -> {would_earn}; {to} per "
                   "member {before} -> {after}; objective {change}",
                   "{id} ({name}) {group} -> {to}: brengt {earns} -> {would_earn} op; {to} per "
                   "lid {before} -> {after}; doel {change}"),
    "risks.more": ("... and {count} more (all in result.json and the report)",
                   "... en nog {count} (alle in result.json en het rapport)"),
    "risks.unchecked": ("Drop-out risks not checked: more than {max} organisations.",
                        "Uitstaprisico's niet nagegaan: meer dan {max} organisaties."),
    "legend": ("score: complementarity of a group's pairs (offers meeting needs, higher is "
               "better); penalty: weight x how far a soft rule is off; objective: score minus "
               "penalties; at most ... possible: an upper bound no assignment can exceed; it is "
               "loose (it cannot see everything that ties members to groups), so the best "
               "assignment usually scores well below it.",
               "score: complementariteit van de paren in een groep (aanbod dat een vraag dekt, "
               "hoger is beter); boete: gewicht x hoever een zachte regel afwijkt; doel: score "
               "min boetes; hoogstens ... mogelijk: een bovengrens die geen indeling kan "
               "overschrijden; ze is ruim (ze ziet niet alles wat leden aan groepen bindt), dus "
               "de beste indeling scoort meestal duidelijk lager."),
    "hard_ok": ("every hard rule holds", "elke harde regel is gehaald"),
    "hard_broken": ("HARD RULES BROKEN: {rules}", "HARDE REGELS GEBROKEN: {rules}"),
    "objective": ("objective {objective}, {hard}", "doel {objective}, {hard}"),
    # terminal: the run (summary line, live progress line, files written)
    "summary": ("{status}: objective {objective}{how}, {hard}, {runtime} s, seed {seed}",
                "{status}: doel {objective}{how}, {hard}, {runtime} s, seed {seed}"),
    "summary.optimal": (", proven optimal (the objective meets the bound)",
                        ", bewezen optimaal (het doel haalt de bovengrens)"),
    "summary.gap": (", at most {bound} possible (a loose bound)",
                    ", hoogstens {bound} mogelijk (een ruime grens)"),
    "summary.hard_broken": ("HARD RULES BROKEN", "HARDE REGELS GEBROKEN"),
    "status.optimal": ("optimal", "optimaal"),
    "status.feasible": ("feasible", "toegelaten"),
    "status.interrupted": ("interrupted", "onderbroken"),
    "progress.solving": ("solving", "bezig"),
    "progress.best": ("{phase}: best {objective}{flag}", "{phase}: beste {objective}{flag}"),
    "progress.not_feasible": (" (hard rules not yet met)", " (harde regels nog niet gehaald)"),
    "phase.start": ("start", "start"),
    "phase.construct": ("first assignment", "eerste indeling"),
    "phase.cp-sat": ("CP-SAT", "CP-SAT"),
    "phase.search": ("local search", "lokaal zoeken"),
    "phase.evaluate": ("check", "controle"),
    "wrote": ("wrote {files}", "geschreven: {files}"),
    "wrote.nothing": ("nothing", "niets"),
    "interrupted.wrote": ("interrupted: wrote the best assignment found so far (status "
                          "interrupted in result.json)",
                          "onderbroken: de beste indeling tot nu toe is geschreven (status "
                          "interrupted in result.json)"),
    "interrupted.nothing": ("interrupted before any assignment meeting every hard rule was "
                            "found; nothing written",
                            "onderbroken voor er een indeling was die elke harde regel haalt; "
                            "niets geschreven"),
    # the roster's profile (validate --profile, the report's first section)
    "profile.title": ("Roster profile: {n} organisations, {m} groups",
                      "Profiel van de deelnemers: {n} organisaties, {m} groepen"),
    "profile.economy": ("economy", "economie"),
    "profile.type": ("type", "type"),
    "profile.province": ("province", "provincie"),
    "profile.orphan_needs": ("needs nobody in the roster offers: {count}",
                             "noden die niemand van de deelnemers aanbiedt: {count}"),
    "profile.unneeded_offers": ("offers nobody in the roster needs: {count}",
                                "aanbod dat niemand van de deelnemers nodig heeft: {count}"),
    "profile.quotas": ("how far each quota can be met", "hoever elke quotumregel te halen is"),
    "profile.quota_count": ("{count} organisations have the value",
                            "{count} organisaties hebben die waarde"),
    "profile.quota_min": ("{need} per group: at most {can} of {m} groups can meet it",
                          "{need} per groep: hoogstens {can} van de {m} groepen kunnen dat halen"),
    "profile.quota_max_ok": ("they fit under the maximum", "ze passen onder het maximum"),
    "profile.quota_max_no": ("too many to stay under the maximum in every group",
                             "te veel om in elke groep onder het maximum te blijven"),
    "profile.unequal": (
        "warning: group sizes can differ ({lo} to {hi} members) and the objective sums the "
        "pairs of each group, so larger groups score more (9 members make 36 pairs, 8 make 28); "
        "per_member = true in [complementarity] counts each group per member instead",
        "let op: groepen kunnen verschillen in grootte ({lo} tot {hi} leden) en het doel telt "
        "de paren van elke groep op, dus grotere groepen scoren meer (9 leden vormen 36 paren, "
        "8 leden 28); per_member = true in [complementarity] telt elke groep per lid"),
    "kernel.compiling": ("the search kernel was not ready within the time limit (it is compiled "
                         "once after installation): it is being compiled in the background, "
                         "for later runs",
                         "de zoekkern was niet klaar binnen de tijdslimiet (ze wordt na de "
                         "installatie eenmaal gecompileerd): dat gebeurt nu op de achtergrond, "
                         "voor de volgende runs"),
    "kept_backup": ("kept the previous {old} as assignment.csv.bak",
                    "de vorige {old} is bewaard als assignment.csv.bak"),
    # offences, one sentence per kind of breach
    "breach.too_few": ("{group}: {value}, the rule asks at least {bound}",
                       "{group}: {value}, de regel vraagt minstens {bound}"),
    "breach.too_many": ("{group}: {value}, the rule allows at most {bound}{who}",
                        "{group}: {value}, de regel laat hoogstens {bound} toe{who}"),
    "breach.too_few_share": ("{group}: {value} of {size} members, too few",
                             "{group}: {value} van {size} leden, te weinig"),
    "breach.too_many_share": ("{group}: {value} of {size} members, too many{who}",
                              "{group}: {value} van {size} leden, te veel{who}"),
    "breach.separated": ("{a} ({ga}) and {b} ({gb}) must share a group",
                         "{a} ({ga}) en {b} ({gb}) moeten in dezelfde groep"),
    "breach.together": ("{a} and {b} are both in {group}", "{a} en {b} zitten samen in {group}"),
    "breach.too_far": ("{a} and {b} in {group} lie {km} km apart",
                       "{a} en {b} in {group} liggen {km} km uit elkaar"),
    "breach.too_far_same": ("{a} and {b} in {group} may not share a group",
                            "{a} en {b} in {group} mogen niet in dezelfde groep"),
    "breach.not_allowed": ("{a} is in {group}, which is closed to it",
                           "{a} zit in {group}, die er niet voor openstaat"),
    "breach.alone": ("{a} is alone of its kind in {group}",
                     "{a} is de enige van zijn soort in {group}"),
    "breach.unmet_need": ("{a} in {group} needs {tag}, which no other member offers",
                          "{a} in {group} zoekt {tag}, wat geen ander lid aanbiedt"),
    "breach.too_few_placed": ("{value} placed, the rule asks at least {bound}",
                              "{value} ingedeeld, de regel vraagt minstens {bound}"),
    "breach.deviation": ("{group}: {value}, {amount} from the target {bound}",
                         "{group}: {value}, {amount} van het doel {bound}"),
    "breach.moved": ("{a} moved to {group} from its previous group",
                     "{a} is verhuisd naar {group} uit zijn vorige groep"),
    "breach.too_many_moved": ("{value} organisations moved, the rule allows at most {bound}{who}",
                              "{value} organisaties verhuisd, de regel laat er hoogstens "
                              "{bound} toe{who}"),
    "who": (" ({names})", " ({names})"),
    # the terminal: against a previous assignment (solve --previous)
    "previous.summary": ("Against the previous assignment: {moved} of {had} organisations "
                         "moved, {kept} of {pairs} pairs still together",
                         "Tegenover de vorige indeling: {moved} van {had} organisaties "
                         "verhuisd, {kept} van {pairs} paren nog samen"),
    "previous.drop_outs": ("Dropped out ({count}): {ids}", "Afgehaakt ({count}): {ids}"),
    "previous.late": ("Late registrations ({count}): {ids}",
                      "Late inschrijvingen ({count}): {ids}"),
    "previous.moved": ("Moved ({count}): {moves}", "Verhuisd ({count}): {moves}"),
    # the HTML report and the workbook
    "report.title": ("Pilot groups", "Proeftuinen"),
    "report.objective_head": ("Objective {objective}", "Doel {objective}"),
    "report.objective": ("complementarity {complementarity} minus penalties of soft rules "
                         "{penalty}; {n} organisations in {m} groups.",
                         "complementariteit {complementarity} min boetes van zachte regels "
                         "{penalty}; {n} organisaties in {m} groepen."),
    "report.all_hard_hold": ("Every hard rule holds.", "Elke harde regel is gehaald."),
    "report.per_member": ("Size-fair objective: each group's complementarity is per member (its "
                          "pairs' scores over its size).",
                          "Eerlijk naar grootte: de complementariteit van elke groep is per lid "
                          "(de scores van haar paren gedeeld door haar grootte)."),
    "per_member": ("per member", "per lid"),
    "report.hard_broken": ("Hard rules broken", "Harde regels gebroken"),
    "report.by": ("by {v}", "met {v}"),
    "report.what_rules_ask": ("What each rule asks", "Wat elke regel vraagt"),
    "report.soft_weight": ("soft, weight {w}", "zacht, gewicht {w}"),
    "report.ecosystem": ("Ecosystem", "Ecosysteem"),
    "report.glance": ("Groups at a glance", "De groepen in een oogopslag"),
    "report.chart_caption": ("Complementarity per group.", "Complementariteit per groep."),
    "report.map_caption": ("Organisations at their location, coloured by group (number at the "
                           "group's centre; grey crosses: left out; lines: province borders).",
                           "Organisaties op hun locatie, gekleurd per groep (nummer in het "
                           "midden van de groep; grijze kruisjes: niet ingedeeld; lijnen: "
                           "provinciegrenzen)."),
    "report.economies": ("Economies", "Economieën"),
    "report.groups": ("The groups", "De groepen"),
    "report.left_out": ("Left out ({count})", "Niet ingedeeld ({count})"),
    "group.header": ("{size} members, complementarity {c}", "{size} leden, complementariteit {c}"),
    "group.mix": ("Mix", "Mix"),
    "group.fte": ("FTE", "VTE"),
    "group.target_fte": ("Target-group FTE", "Doelgroep-VTE"),
    "group.vs_mean": ("against the mean group of {mean}", "t.o.v. de gemiddelde groep van {mean}"),
    "group.farthest": ("Farthest apart", "Verst uit elkaar"),
    "group.farthest_pair": ("{a} and {b}, {km} km", "{a} en {b}, {km} km"),
    "group.sectors": ("Sectors (NACE)", "Sectoren (NACE)"),
    "group.off_by": ("{label}: off by {v}", "{label}: afwijking {v}"),
    "group.all_hold": ("Every rule holds in this group.", "Elke regel is gehaald in deze groep."),
    "group.ties": ("ties within group {n}", "banden binnen groep {n}"),
    "eco.complementarity": ("complementarity", "complementariteit"),
    "eco.density": ("member pairs with a tie", "ledenparen met een band"),
    "eco.across": ("ties across social and regular economy",
                   "banden tussen sociale en reguliere economie"),
    "eco.isolated": ("members without a tie", "leden zonder band"),
    "eco.unmet": ("unmet needs", "open vragen"),
    "eco.reciprocity": ("members who give and get", "leden die geven en krijgen"),
    "eco.paths": ("transition paths", "doorstroompaden"),
    "eco.brokers": ("brokers (link members without a tie of their own)",
                    "verbinders (tussen leden zonder eigen band)"),
    "eco.clusters": ("clusters the network forms by itself", "clusters die het netwerk zelf vormt"),
    "eco.kept": ("offer-need ties kept within groups", "aanbod-vraagbanden binnen de groepen"),
    "col.id": ("id", "id"),
    "col.name": ("name", "naam"),
    "col.economy": ("economy", "economie"),
    "col.type": ("type", "type"),
    "col.sector": ("sector", "sector"),
    "col.municipality": ("municipality", "gemeente"),
    "col.gives": ("gives", "geeft"),
    "col.gets": ("gets", "krijgt"),
    "col.unmet_here": ("needs not met here", "vragen hier niet gedekt"),
    "col.kind": ("kind", "soort"),
    "col.who": ("who breaks it", "wie ze niet haalt"),
    "member.no_tie": ("no tie", "geen band"),
    "offences.more_here": ("... and {count} more (all in result.json)",
                           "... en nog {count} (alle in result.json)"),
    # pilotopt explain and fit on the terminal
    "ex.head": ("{id} ({name}) in {where}: earns {earns} ({share} of the group's "
                "complementarity)",
                "{id} ({name}) in {where}: verdient {earns} ({share} van de complementariteit "
                "van de groep)"),
    "ex.left_out": ("no group (left out)", "geen groep (niet ingedeeld)"),
    "ex.gives": ("gives {tags}", "geeft {tags}"),
    "ex.gets": ("gets {tags}", "krijgt {tags}"),
    "ex.no_tags": ("no tags", "geen tags"),
    "ex.tie": ("  with {id}: {what} (pair score {score})", "  met {id}: {what} (paarscore "
               "{score})"),
    "ex.alternative": ("  alternative {k}: {what}", "  alternatief {k}: {what}"),
    "ex.blocked": ("  blocked: {what}", "  geblokkeerd: {what}"),
    "ex.swap": ("{group}, {partner} moving to {to}", "{group}, {partner} gaat naar {to}"),
    "ex.no_group": ("no group", "geen groep"),
    "ex.objective": ("{what}: objective {change}", "{what}: doel {change}"),
    "ex.violations": (" (violations: {rules})", " (afwijkingen: {rules})"),
    "fit.head": ("{id} ({name}): objective without it {objective}",
                 "{id} ({name}): doel zonder deze organisatie {objective}"),
    "fit.swap": ("  best swap: {what}", "  beste ruil: {what}"),
    # why a move breaks a hard rule (pilotopt explain, the report's member cards)
    "why.stays": ("{other} stays in {group}: {rule}", "{other} blijft in {group}: {rule}"),
    "why.stays_out": ("{other} stays in no group: {rule}", "{other} blijft buiten elke groep: "
                      "{rule}"),
    "why.there": ("{other} is there: {rule}", "{other} zit daar: {rule}"),
    "why.far": ("{other} in {group} is too far: {rule}", "{other} in {group} ligt te ver: {rule}"),
    "why.full": ("{group} is full: {rule}", "{group} zit vol: {rule}"),
    "why.short": ("{group} would fall short: {rule}", "{group} zou tekortschieten: {rule}"),
    "why.closed": ("{group} is closed to {org}: {rule}", "{group} is gesloten voor {org}: {rule}"),
    "why.breaks_in": ("{rule} breaks in {groups}", "{rule} breekt in {groups}"),
    "why.breaks": ("{rule} breaks", "{rule} breekt"),
    # the best alternative of a member (report, workbook)
    "alt.move": ("{group}: objective {change}", "{group}: doel {change}"),
    "alt.swap": ("{group}, swapping with {partner}: objective {change}",
                 "{group}, in ruil voor {partner}: doel {change}"),
    "col.share": ("share", "aandeel"),
    "col.elsewhere": ("best elsewhere", "beste elders"),
    "col.blocked": ("better, but blocked", "beter, maar geblokkeerd"),
    # the baseline by hand, against which the gain is measured
    "baseline.gain": ("By hand (sort-and-deal, hard rules mended): objective {base}; pilotopt "
                      "{objective}: {gain}{share}.",
                      "Met de hand (sorteren en verdelen, harde regels hersteld): doel {base}; "
                      "pilotopt {objective}: {gain}{share}."),
    "baseline.broken": ("By hand (sort-and-deal, hard rules mended as far as single moves and "
                        "swaps can): objective {base}, but it still breaks hard rules: {rules}; "
                        "pilotopt {objective}.",
                        "Met de hand (sorteren en verdelen, harde regels hersteld voor zover "
                        "losse verplaatsingen en ruilen het kunnen): doel {base}, maar harde "
                        "regels blijven gebroken: {rules}; pilotopt {objective}."),
    # pilotopt diff: two assignments compared
    "diff.title": ("Two assignments compared", "Twee indelingen vergeleken"),
    "diff.file": ("assignment", "indeling"),
    "diff.side": ("{side}: {file}: objective {objective}, {hard}",
                  "{side}: {file}: doel {objective}, {hard}"),
    "diff.change": ("B - A: objective {objective} (complementarity {complementarity}, penalty "
                    "{penalty})",
                    "B - A: doel {objective} (complementariteit {complementarity}, boete "
                    "{penalty})"),
    "diff.delta": ("B - A", "B - A"),
    "diff.no_group": ("no group", "geen groep"),
    "diff.moved": ("Moved: {count}", "Verplaatst: {count}"),
    "diff.pairs": ("Pairs in one group: {kept} kept, {broken} broken, {formed} formed",
                   "Paren in een groep: {kept} behouden, {broken} verbroken, {formed} nieuw"),
    "diff.broken": ("broken", "verbroken"),
    "diff.formed": ("formed", "nieuw"),
    "diff.rules": ("Rules that change: {count}", "Regels die veranderen: {count}"),
    "diff.rule": ("{label}: violation {a} -> {b} ({change}), penalty {pa} -> {pb} ({pchange})",
                  "{label}: afwijking {a} -> {b} ({change}), boete {pa} -> {pb} ({pchange})"),
    "diff.groups": ("Groups that change: {count}", "Groepen die veranderen: {count}"),
    "diff.group": ("{group}: {a} -> {b} members, complementarity {ca} -> {cb} ({change})",
                   "{group}: {a} -> {b} leden, complementariteit {ca} -> {cb} ({change})"),
    "diff.joined": ("joined: {ids}", "erbij: {ids}"),
    "diff.left": ("left: {ids}", "weg: {ids}"),
    "diff.joined_head": ("joined", "erbij"),
    "diff.left_head": ("left", "weg"),
    "xlsx.summary": ("Summary", "Overzicht"),
    "xlsx.description": ("description", "beschrijving"),
    "xlsx.objective": ("objective", "doel"),
    "xlsx.hard_hold": ("every hard rule holds", "elke harde regel gehaald"),
    "xlsx.yes": ("yes", "ja"),
    "xlsx.no": ("no", "nee"),
    "xlsx.organisations": ("organisations", "organisaties"),
    "xlsx.groups": ("groups", "groepen"),
    "xlsx.left_out": ("left out", "niet ingedeeld"),
    "xlsx.violation": ("violation", "afwijking"),
    "xlsx.where": ("where", "waar"),
    "xlsx.asks": ("what it asks", "wat ze vraagt"),
    "xlsx.broken": ("broken", "gebroken"),
    "xlsx.sheet": ("sheet", "blad"),
    "xlsx.members": ("members", "leden"),
    "xlsx.vs_mean": ("vs mean", "t.o.v. gem."),
    "xlsx.farthest_km": ("farthest pair (km)", "verste paar (km)"),
    "xlsx.rules_off": ("rules off", "regels niet gehaald"),
    "xlsx.sector_name": ("sector (NACE)", "sector (NACE)"),
    "meta.status": ("status", "status"),
    "meta.seed": ("seed", "seed"),
    "meta.time_limit": ("time limit (s)", "tijdslimiet (s)"),
    "meta.workers": ("workers", "threads"),
    "meta.runtime": ("runtime (s)", "rekentijd (s)"),
    "meta.bound": ("upper bound", "bovengrens"),
    "meta.gap": ("gap", "gap"),
    "meta.created": ("created", "gemaakt"),
    # terminal: the analysis
    "analysis.title": ("Ecosystem per group", "Ecosysteem per groep"),
    "col.density": ("ties", "banden"),
    "col.across": ("across", "over"),
    "col.both_ways": ("both ways", "wederzijds"),
    "col.alone": ("alone", "alleen"),
    "col.unmet": ("unmet", "open"),
    "col.paths": ("paths", "paden"),
    "analysis.caption": (
        "ties: share of member pairs where one offers what the other needs; across: share of "
        "ties between social and regular economy; both ways: share of members that give and "
        "get; alone: members without a tie; unmet: needs no other member offers; paths: "
        "transition paths (a regular firm offering jobs, learning or orders to a social one)",
        "banden: aandeel ledenparen waarin de een aanbiedt wat de ander zoekt; over: aandeel "
        "banden tussen sociale en reguliere economie; wederzijds: aandeel leden dat geeft en "
        "krijgt; alleen: leden zonder band; open: vragen die geen ander lid dekt; paden: "
        "doorstroompaden (een regulier bedrijf dat jobs, leerplekken of orders biedt aan een "
        "sociaal)"),
    "analysis.hard_broken": (
        "This assignment breaks hard rules ({rules}): the figures below describe groups that "
        "may not be used as they are.",
        "Deze indeling breekt harde regels ({rules}): de cijfers hieronder beschrijven groepen "
        "die zo niet gebruikt mogen worden."),
    "analysis.isolated": ("Members without a tie in their group: {names}.",
                          "Leden zonder band in hun groep: {names}."),
    "analysis.overall": (
        "Overall: complementarity {complementarity}; {density} of member pairs tied; {across} "
        "of ties across the social and regular economy; {both} of members give and get; "
        "{isolated} without a tie; {unmet} unmet needs; {paths} transition paths.",
        "Geheel: complementariteit {complementarity}; {density} van de ledenparen verbonden; "
        "{across} van de banden tussen sociale en reguliere economie; {both} van de leden "
        "geeft en krijgt; {isolated} zonder band; {unmet} open vragen; {paths} doorstroompaden."),
    "analysis.communities": (
        "Clusters the network forms by itself (found by modularity, Louvain method): {count}. "
        "The groups keep {kept} of all offer-need ties within a group; those clusters would keep "
        "{found}, random groups of the same sizes {random}. Agreement between groups and "
        "clusters: {agreement} (1 = the same split, 0 = no more alike than chance; adjusted "
        "Rand index).",
        "Clusters die het netwerk zelf vormt (gevonden op modulariteit, Louvain-methode): "
        "{count}. De groepen houden {kept} van alle aanbod-vraagbanden binnen een groep; die "
        "clusters zouden {found} houden, willekeurige groepen van dezelfde grootte {random}. "
        "Overeenkomst tussen groepen en clusters: {agreement} (1 = dezelfde indeling, 0 = niet "
        "meer gelijk dan toeval; aangepaste Rand-index)."),
    "analysis.no_communities": (
        "Clusters of the whole network are not computed above {limit} organisations (the "
        "figures per group are complete).",
        "Clusters van het hele netwerk worden boven {limit} organisaties niet berekend (de "
        "cijfers per groep zijn volledig)."),
    # several proposals (pilotopt.proposals)
    "alt.title": ("{count} alternative proposals", "{count} alternatieve voorstellen"),
    "alt.col": ("#", "#"),
    "alt.objective": ("objective", "doelwaarde"),
    "alt.complementarity": ("compl.", "compl."),
    "alt.penalty": ("penalty", "boete"),
    "alt.gap": ("gap", "kloof"),
    "alt.closest": ("differs", "verschil"),
    "alt.weight": ("weight", "gewicht"),
    "alt.caption": (
        "compl.: complementarity; differs: the share of organisations placed differently from "
        "the closest other proposal, groups matched as well as they can be (asked: at least "
        "{share}; ✗: not reached in time); weight: the diversity weight it was found with",
        "compl.: complementariteit; verschil: het aandeel organisaties dat anders ingedeeld is "
        "dan in het dichtste andere voorstel, groepen zo goed mogelijk gekoppeld (gevraagd: "
        "minstens {share}; ✗: niet gehaald binnen de tijd); gewicht: het diversiteitsgewicht "
        "waarmee het gevonden is"),
    "front.title": ("Trade-off: complementarity against the soft rules",
                    "Afweging: complementariteit tegenover de zachte regels"),
    "front.intro": (
        "Each point is a solve with the weights of {rules} multiplied by a factor (0: "
        "complementarity alone; 1: the scenario's own weights). Up: more complementarity; left: "
        "less penalty of those rules (at their own weights). Blue points form the front: no other "
        "point is better on both; grey ones are beaten. Click a point to open its assignment.",
        "Elk punt is een oplossing met de gewichten van {rules} vermenigvuldigd met een factor "
        "(0: enkel complementariteit; 1: de gewichten van het scenario). Hoger: meer "
        "complementariteit; links: minder boete van die regels (tegen hun eigen gewicht). Blauwe "
        "punten vormen het front: geen ander punt is op beide beter; grijze worden verslagen. "
        "Klik op een punt om zijn indeling te openen."),
    "front.line": ("point {point}: factor {factor}, complementarity {c}, penalty {p}",
                   "punt {point}: factor {factor}, complementariteit {c}, boete {p}"),
    "front.dominated": (" (dominated)", " (verslagen)"),
    "front.x": ("penalty of the soft rules", "boete van de zachte regels"),
    "front.y": ("complementarity", "complementariteit"),
    "front.factor": ("weight factor", "gewichtsfactor"),
    "front.on": ("on the front", "op het front"),
    "front.files": ("files", "bestanden"),
    "front.tip": ("point {point}, factor {factor}: complementarity {c}, penalty {p}, objective "
                  "{objective}",
                  "punt {point}, factor {factor}: complementariteit {c}, boete {p}, doelwaarde "
                  "{objective}"),
    "sens.weights": ("Weights moved by ±50 %: placements that change",
                     "Gewichten ±50 %: indelingen die veranderen"),
    "sens.rule": ("rule", "regel"),
    "sens.factor": ("weight", "gewicht"),
    "sens.moved": ("moves", "verschuift"),
    "sens.objective": ("objective", "doelwaarde"),
    "sens.rules": ("Rules that bind: what removing each would add to the objective",
                   "Regels die knellen: wat weglaten van elk aan de doelwaarde zou toevoegen"),
    "sens.gain": ("gain", "winst"),
    "sens.penalty": ("of which\npenalty now", "waarvan\nboete nu"),
    "sens.binds": ("binds", "knelt"),
    "sens.control": (
        "Re-optimising the assignment as it is moves {count} organisation(s) (objective "
        "{before} -> {after}); the changes below are against that.",
        "Her-optimaliseren van de indeling zoals ze is verschuift {count} organisatie(s) "
        "(doelwaarde {before} -> {after}); de wijzigingen hieronder zijn daartegenover."),
    "sens.note": ("Heuristic estimates: a tabu search from the assignment, {iterations} "
                  "iterations per run, seed {seed}; finding nothing better proves nothing.",
                  "Heuristische schattingen: een tabu-zoektocht vanaf de indeling, {iterations} "
                  "iteraties per run, seed {seed}; niets beters vinden bewijst niets."),
    "alt.fewer": ("{found} of {asked} proposals found: {why}",
                  "{found} van {asked} voorstellen gevonden: {why}"),
    # the web workspace (pilotopt serve)
    "web.title": ("pilotopt workspace", "pilotopt-werkruimte"),
    "web.language": ("Language", "Taal"),
    "web.inputs": ("Roster and scenario", "Deelnemerslijst en scenario"),
    "web.roster": ("Roster (CSV, XLSX or JSON)", "Deelnemerslijst (CSV, XLSX of JSON)"),
    "web.scenario": ("Scenario (TOML)", "Scenario (TOML)"),
    "web.upload": ("Upload and check", "Opladen en nakijken"),
    "web.or_demo": ("or start from the demo roster (40 organisations) with a preset:",
                    "of begin met de demolijst (40 organisaties) en een voorbeeldscenario:"),
    "web.demo": ("Open the demo", "Demo openen"),
    "web.loaded": ("Loaded: {roster} with {scenario}", "Geladen: {roster} met {scenario}"),
    "web.problems": ("{count} problem(s) in the input; nothing was loaded:",
                     "{count} probleem/problemen in de invoer; er is niets geladen:"),
    "web.profile": ("Roster profile", "Profiel van de deelnemers"),
    "web.profile_line": ("{n} organisations, {m} groups, {rules} rules ({hard} hard)",
                         "{n} organisaties, {m} groepen, {rules} regels ({hard} hard)"),
    "web.staff": ("FTE {fte}, of which target-group FTE {tg}",
                  "VTE {fte}, waarvan doelgroep-VTE {tg}"),
    "web.provinces": ("Provinces", "Provincies"),
    "web.offered": ("Most offered", "Meest aangeboden"),
    "web.needed": ("Most needed", "Meest gevraagd"),
    "web.warnings": ("Warnings", "Waarschuwingen"),
    "web.solve": ("Solve", "Oplossen"),
    "web.stop": ("Stop (keep the best so far)", "Stoppen (beste tot nu behouden)"),
    "web.time_limit": ("time limit (s)", "tijdslimiet (s)"),
    "web.seed": ("seed", "seed"),
    "web.locked_note": ("Locked organisations stay in their group when solving again.",
                        "Vergrendelde organisaties blijven in hun groep bij opnieuw oplossen."),
    "web.progress": ("{seconds} s of {limit} s", "{seconds} s van {limit} s"),
    "web.best": ("best objective {objective}", "beste doel {objective}"),
    "web.not_feasible_yet": ("no assignment meeting every hard rule yet",
                             "nog geen indeling die elke harde regel haalt"),
    "web.stopping": ("stopping, keeping the best so far", "stoppen, beste tot nu behouden"),
    "web.assignment": ("or open an assignment (CSV or XLSX with id and group, e.g. the "
                       "assignment.csv of pilotopt solve)",
                       "of open een indeling (CSV of XLSX met id en groep, bv. de "
                       "assignment.csv van pilotopt solve)"),
    "web.open": ("Open", "Openen"),
    "web.assignment_problems": ("{count} problem(s) in the assignment; the current one stays:",
                                "{count} probleem/problemen in de indeling; de huidige blijft:"),
    "web.no_assignment": ("Solve to see the groups.", "Los op om de groepen te zien."),
    "web.objective": ("Objective", "Doel"),
    "web.objective_parts": ("complementarity {c} minus penalties of soft rules {p}",
                            "complementariteit {c} min boetes van zachte regels {p}"),
    "web.keys": ("Drag a card to another group, or: Tab to a card, Enter to choose it, pick a "
                 "group and press Move. Ctrl+Z undoes, Ctrl+Y redoes.",
                 "Sleep een kaart naar een andere groep, of: Tab naar een kaart, Enter om ze "
                 "te kiezen, kies een groep en druk op Verplaatsen. Ctrl+Z maakt ongedaan, "
                 "Ctrl+Y doet opnieuw."),
    "web.move_to": ("Move to", "Verplaatsen naar"),
    "web.move": ("Move", "Verplaatsen"),
    "web.chosen": ("Chosen:", "Gekozen:"),
    "web.none_chosen": ("no card chosen", "geen kaart gekozen"),
    "web.lock": ("Lock {name} in its group", "{name} vergrendelen in zijn groep"),
    "web.unlock": ("Unlock {name}", "{name} ontgrendelen"),
    "web.undo": ("Undo", "Ongedaan maken"),
    "web.redo": ("Redo", "Opnieuw"),
    "web.change": ("What changed", "Wat veranderde"),
    "web.moved": ("{name} ({id}): {source} to {target}", "{name} ({id}): {source} naar {target}"),
    "web.objective_change": ("objective {v}", "doel {v}"),
    "web.why_broken": ("Hard rules this breaks (shown, not prevented):",
                       "Harde regels die dit breekt (getoond, niet verhinderd):"),
    "web.members": ("{size} members", "{size} leden"),
    "web.rules_off": ("Rules off here", "Regels hier niet gehaald"),
    "web.all_hold": ("every rule holds here", "elke regel gehaald"),
    "web.downloads": ("Downloads", "Downloads"),
    "web.dl_csv": ("assignment (CSV)", "indeling (CSV)"),
    "web.dl_xlsx": ("workbook (XLSX)", "werkmap (XLSX)"),
    "web.dl_report": ("report (HTML)", "rapport (HTML)"),
    "web.dl_scenario": ("scenario (TOML)", "scenario (TOML)"),
    "web.runs": ("Runs of this workspace", "Runs van deze werkruimte"),
    "web.keep": ("Keep the current assignment as a run", "Huidige indeling bewaren als run"),
    "web.no_runs": ("No runs yet.", "Nog geen runs."),
    "web.compare": ("Compare the two chosen runs", "De twee gekozen runs vergelijken"),
    "web.compare_title": ("Two runs side by side", "Twee runs naast elkaar"),
    "web.run": ("run", "run"),
    "web.from_run": ("from run {id}", "uit run {id}"),
    "web.edited": ("edited by hand", "met de hand bewerkt"),
    "web.moved_count": ("{count} organisation(s) in another group",
                        "{count} organisatie(s) in een andere groep"),
    "web.pairs": ("pairs sharing a group in both: {kept}; only in A: {broken}; only in B: "
                  "{formed}",
                  "paren samen in beide: {kept}; alleen in A: {broken}; alleen in B: {formed}"),
    "web.delta": ("objective of B minus A: {v}", "doel van B min A: {v}"),
    "web.back": ("Back to the workspace", "Terug naar de werkruimte"),
    "web.refused": ("Not done: {why}", "Niet gedaan: {why}"),
    "web.settings": ("Rules and weights", "Regels en gewichten"),
    "web.settings_note": ("The scenario file stays the source: this form rewrites it (comments "
                          "and order kept) and checks it as the command line does; an empty "
                          "field removes the key.",
                          "Het scenariobestand blijft de bron: dit formulier herschrijft het "
                          "(commentaar en volgorde blijven) en controleert het zoals de "
                          "opdrachtregel; een leeg veld verwijdert de sleutel."),
    "web.groups_legend": ("Groups: count (or target size) and members per group",
                          "Groepen: aantal (of doelgrootte) en leden per groep"),
    "web.rule": ("Rule", "Regel"),
    "web.hard_soft": ("hard or soft", "hard of zacht"),
    "web.hard": ("hard (must hold)", "hard (moet gelden)"),
    "web.soft": ("soft (weight per unit off)", "zacht (gewicht per eenheid ernaast)"),
    "web.numbers": ("bounds", "grenzen"),
    "web.apply": ("Check and apply", "Nakijken en toepassen"),
    "web.scenario_problems": ("{count} problem(s) in the scenario; it stays as it was:",
                              "{count} probleem/problemen in het scenario; het blijft zoals "
                              "het was:"),
    "web.edit_toml": ("The scenario as TOML (edit it here, or download it)",
                      "Het scenario als TOML (hier bewerken, of downloaden)"),
    "web.groups_dropped": ("The scenario changed the groups: the current assignment no longer "
                           "fits it; solve again.",
                           "Het scenario veranderde de groepen: de huidige indeling past er "
                           "niet meer in; los opnieuw op."),
    "web.resolve": ("Re-solve from these groups", "Opnieuw oplossen vanuit deze groepen"),
    "web.stay": ("cost per organisation moved", "kost per verplaatste organisatie"),
    "web.stability_given": ("(the scenario's stability rule keeps them)",
                            "(de stabiliteitsregel van het scenario houdt ze)"),
    "web.resolve_note": ("Re-solving keeps the current groups as the previous assignment: only "
                         "what pays for its moves changes, and the page says who moved.",
                         "Opnieuw oplossen houdt de huidige groepen als vorige indeling: enkel "
                         "wat zijn verplaatsingen waard is verandert, en de pagina zegt wie "
                         "verhuisde."),
    "web.dl_pdf": ("report (PDF)", "rapport (PDF)"),
    "web.no_pdf": ("report (PDF): needs Chromium on this machine (apt-get install chromium, "
                   "or PILOTOPT_CHROMIUM); the HTML report prints to PDF from any browser",
                   "rapport (PDF): vraagt Chromium op deze machine (apt-get install chromium, "
                   "of PILOTOPT_CHROMIUM); het HTML-rapport drukt af naar PDF vanuit elke "
                   "browser"),
}

_ECONOMY: dict[str, tuple[str, str, str, str]] = {
    # value: English, Dutch, English letter, Dutch letter
    "social": ("social economy", "sociale economie", "S", "S"),
    "regular": ("regular economy", "reguliere economie", "R", "R"),
    "public": ("public sector", "overheid", "P", "O"),
    "knowledge": ("knowledge institution", "kennisinstelling", "K", "K"),
}

def _pick(pair: tuple[str, ...], lang: Lang) -> str:
    return pair[LANGS.index(lang)]


def text(key: str, lang: Lang = "en", **values: object) -> str:
    """The sentence ``key`` in ``lang``, its fields filled from ``values``.

    >>> text("rule.off", "nl", v=3)
    'afwijking 3'
    """
    return _pick(_TEXT[key], lang).format(**values)


def wrote(files: Sequence[object], lang: Lang = "en") -> str:
    """The line naming the files written.

    >>> wrote(["out/a.csv", "out/result.json"], "nl")
    'geschreven: out/a.csv, out/result.json'
    """
    return text("wrote", lang, files=", ".join(map(str, files)) or text("wrote.nothing", lang))


def phase(name: str, lang: Lang = "en") -> str:
    """The name of a phase of a run (``construct``, ``search``, ...), as the terminal shows it.

    >>> phase("search", "nl")
    'lokaal zoeken'
    """
    key = f"phase.{name}"
    return text(key, lang) if key in _TEXT else name


def unfilled(key: str, lang: Lang = "en") -> str:
    """The sentence ``key`` in ``lang`` with its ``{fields}`` as written, for a page's script
    to fill.

    >>> unfilled("rule.off", "nl")
    'afwijking {v}'
    """
    return _pick(_TEXT[key], lang)


def economy(value: str, lang: Lang = "en") -> str:
    """The label of an economy (``social`` -> ``social economy`` / ``sociale economie``)."""
    return _pick(_ECONOMY[value][:2], lang) if value in _ECONOMY else value


def economy_letter(value: str, lang: Lang = "en") -> str:
    """The one-letter code of an economy in the terminal's mix column."""
    return _pick(_ECONOMY[value][2:], lang) if value in _ECONOMY else value[:1].upper()


def kind_meaning(kind: str, lang: Lang = "en") -> str:
    """What a rule kind asks, for rules the user gave no note for ('' for an unknown kind)."""
    model = RULE_KINDS.get(kind)
    if model is None:
        return text("kind.membership", lang) if kind == "membership" else ""
    return model.meaning_nl if lang == "nl" else model.meaning


@cache
def _taxonomy() -> dict[str, tuple[str, str]]:
    data = resources.files("pilotopt.data").joinpath("capability_taxonomy.csv")
    rows = csv.DictReader(io.StringIO(data.read_text(encoding="utf-8")))
    return {r["tag"]: (r["label"], r.get("label_nl") or r["label"]) for r in rows}


def tag(value: str, lang: Lang = "en") -> str:
    """The label of a capability tag; a tag outside the taxonomy stays as written.

    >>> tag("packaging")
    'Packing, co-packing, kitting, labelling, order fulfilment'
    """
    found = _taxonomy().get(value)
    return _pick(found, lang) if found else value


@cache
def _nace() -> dict[str, str]:
    data = resources.files("pilotopt.data").joinpath("nace_divisions.csv")
    rows = csv.DictReader(io.StringIO(data.read_text(encoding="utf-8")))
    return {r["division"]: r["name"] for r in rows}


def nace(division: str) -> str:
    """The NACE Rev. 2 name of a two-digit division (English, as Eurostat publishes it).

    >>> nace("82")
    'Office administrative, office support and other business support activities'
    """
    return _nace().get(division[:2], division)


def choose(option: str | None = None, scenario: str | None = None) -> Lang:
    """The language: the option given, else the scenario's ``lang``, else the locale (Dutch
    for an ``nl`` locale), else English."""
    for given in (option, scenario):
        if given == "nl":
            return "nl"
        if given == "en":
            return "en"
    found = next((os.environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG")
                  if os.environ.get(k)), None) or (locale.getlocale()[0] or "")
    return "nl" if found.lower().startswith("nl") else "en"


def risk_words(risk: dict[str, object], lang: Lang = "en") -> str:
    """A drop-out risk (:meth:`pilotopt.stability.Risk.to_dict`) in a line.

    >>> risk_words({"organisation": "a", "name": "A", "group": "G1", "to": "G2", "earns": 2,
    ...             "would_earn": 6, "to_per_member": 2, "to_per_member_after": 3.333,
    ...             "objective_change": 4.0})
    'a (A) G1 -> G2: earns 2 -> 6; G2 per member 2 -> 3.333; objective +4'
    """
    return text("risks.line", lang, id=risk["organisation"], name=risk["name"],
                group=risk["group"], to=risk["to"], earns=f"{risk['earns']:g}",
                would_earn=f"{risk['would_earn']:g}", before=f"{risk['to_per_member']:g}",
                after=f"{risk['to_per_member_after']:g}",
                change=f"{risk['objective_change']:+g}")
