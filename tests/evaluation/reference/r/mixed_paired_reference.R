# Reference numbers for the mixed model, paired tests and Holm (task B). Run from the repo root:
#   Rscript tests/evaluation/reference/r/mixed_paired_reference.R
suppressMessages({library(lme4); library(nlme); library(MASS); library(geepack); library(jsonlite)})
out <- "tests/evaluation/reference/r/"
vers <- list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
             nlme = as.character(packageVersion("nlme")), MASS = as.character(packageVersion("MASS")),
             geepack = as.character(packageVersion("geepack")), Matrix = as.character(packageVersion("Matrix")))
fitinfo <- function(m) {
  vc <- as.data.frame(VarCorr(m))
  list(fe = as.list(fixef(m)), se = as.list(sqrt(diag(as.matrix(vcov(m))))),
       var_participant = vc$vcov[1], var_residual = vc$vcov[2],
       loglik = as.numeric(logLik(m)), aic = AIC(m), bic = BIC(m),
       nobs = nobs(m), ngroups = as.numeric(ngrps(m)))
}
mixed_case <- function(name, frame, formula_txt, source, terms, spec) {
  write.csv(frame, paste0(out, "mixed_", name, ".csv"), row.names = FALSE)
  f <- as.formula(formula_txt)
  reml <- lmer(f, data = frame, REML = TRUE)
  ml <- lmer(f, data = frame, REML = FALSE)
  res <- list(source = source, csv = paste0("mixed_", name, ".csv"),
              r_calls = c(sprintf("lmer(%s, data = frame, REML = TRUE)", formula_txt),
                          sprintf("lmer(%s, data = frame, REML = FALSE)", formula_txt)),
              versions = vers, spec = spec, terms = terms,
              reml = fitinfo(reml), ml = fitinfo(ml))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), paste0(out, "mixed_", name, ".json"))
}
data(sleepstudy, package = "lme4")
ss <- data.frame(participant_id = as.character(sleepstudy$Subject), visit = sleepstudy$Days, outcome = sleepstudy$Reaction)
mixed_case("sleepstudy", ss, "outcome ~ visit + (1 | participant_id)",
  "lme4::sleepstudy (Reaction -> outcome, Days -> visit, Subject -> participant_id)",
  c("(Intercept)" = "Intercept", "visit" = "visit"),
  list(model = "mixed", outcome = "outcome", participant = "participant_id", covariates = list("visit")))
data(Orthodont, package = "nlme")
od <- data.frame(participant_id = as.character(Orthodont$Subject), arm = as.character(Orthodont$Sex),
                 age = Orthodont$age, outcome = Orthodont$distance)
od$arm <- relevel(factor(od$arm), ref = "Female")
mixed_case("orthodont", od, "outcome ~ arm + age + (1 | participant_id)",
  "nlme::Orthodont (distance -> outcome, Sex -> arm with Female as control, Subject -> participant_id)",
  c("(Intercept)" = "Intercept", "armMale" = "arm[Male]", "age" = "age"),
  list(model = "mixed", outcome = "outcome", participant = "participant_id", arm = "arm", control = "Female", covariates = list("age")))
data(dietox, package = "geepack")
dx <- data.frame(participant_id = as.character(dietox$Pig), arm = as.character(dietox$Evit),
                 copper = as.character(dietox$Cu), visit = dietox$Time, outcome = dietox$Weight)
mixed_case("dietox_evit_cu", dx, "outcome ~ arm + visit + copper + (1 | participant_id)",
  "geepack::dietox (Weight -> outcome, Evit -> arm with Evit000 as control, Cu -> copper (text), Time -> visit, Pig -> participant_id)",
  c("(Intercept)" = "Intercept", "armEvit100" = "arm[Evit100]", "armEvit200" = "arm[Evit200]", "visit" = "visit", "copperCu035" = "copper[Cu035]", "copperCu175" = "copper[Cu175]"),
  list(model = "mixed", outcome = "outcome", participant = "participant_id", arm = "arm", control = "Evit000", covariates = list("visit", "copper")))

# paired
paired_case <- function(name, frame, source) {
  write.csv(frame, paste0(out, "paired_", name, ".csv"), row.names = FALSE)
  tt <- t.test(frame$after, frame$before, paired = TRUE)
  wt <- suppressWarnings(wilcox.test(frame$after, frame$before, paired = TRUE, conf.int = TRUE))
  res <- list(source = source, csv = paste0("paired_", name, ".csv"), versions = vers[c("R")],
    r_calls = c("t.test(after, before, paired = TRUE)",
                "suppressWarnings(wilcox.test(after, before, paired = TRUE, conf.int = TRUE))"),
    t_test = list(estimate = unname(tt$estimate), t = unname(tt$statistic), df = unname(tt$parameter),
                  p = tt$p.value, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], stderr = tt$stderr),
    wilcoxon = list(statistic = unname(wt$statistic), p = wt$p.value, method = wt$method,
                    estimate = unname(wt$estimate), ci_low = wt$conf.int[1], ci_high = wt$conf.int[2]))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), paste0(out, "paired_", name, ".json"))
}
data(sleep)
sl <- data.frame(participant_id = as.character(sleep$ID[sleep$group == 1]),
                 before = sleep$extra[sleep$group == 1], after = sleep$extra[sleep$group == 2])
paired_case("sleep", sl, "datasets::sleep (extra under drug 1 -> before, drug 2 -> after, ID -> participant_id); has a zero and ties, so R uses the normal approximation")
data(anorexia, package = "MASS")
ft <- anorexia[anorexia$Treat == "FT", ]
af <- data.frame(participant_id = paste0("FT", seq_len(nrow(ft))), before = ft$Prewt, after = ft$Postwt)
paired_case("anorexia_ft", af, "MASS::anorexia, family therapy arm (Prewt -> before, Postwt -> after); 17 pairs")
aa <- data.frame(participant_id = paste0("P", seq_len(nrow(anorexia))), before = anorexia$Prewt, after = anorexia$Postwt)
paired_case("anorexia_all", aa, "MASS::anorexia, all 72 participants (Prewt -> before, Postwt -> after)")
# holm
p <- c(a = 0.01, b = 0.04, c = 0.03, d = 0.005, e = NA, f = 0.2, g = 0.03)
writeLines(toJSON(list(r_call = "p.adjust(p, 'holm')", versions = vers[c("R")], p = as.list(p),
  holm = as.list(p.adjust(p, "holm"))), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
  paste0(out, "paired_holm.json"))
