# Reference numbers for the GLM and GEE engines (evaluation/stats/glm.py, gee.py).
#
# Development cross-check only: the tests read the CSV and JSON files this script writes and
# never call R. Rerun from this folder with `Rscript glm_gee_reference.R`.
# Data: datasets shipped inside the R packages MASS (birthwt, quine) and geepack (seizure,
# respiratory, dietox); no download.
suppressPackageStartupMessages({
  library(MASS)
  library(geepack)
  library(jsonlite)
})

versions <- list(
  R = R.version.string,
  MASS = as.character(packageVersion("MASS")),
  geepack = as.character(packageVersion("geepack"))
)

# HC3 sandwich for a glm, as sandwich::vcovHC(fit, type = "HC3") computes it (sandwich is not
# installed here): bread (X'WX)^-1, meat sum((w_i r_i / (1 - h_i))^2 x_i x_i'), where w_i r_i is
# the working weight times the working residual (the score of row i, dispersion cancels).
hc3 <- function(fit) {
  X <- model.matrix(fit)
  u <- residuals(fit, "working") * weights(fit, "working")
  h <- hatvalues(fit)
  bread <- summary(fit)$cov.unscaled
  meat <- crossprod(X * (u / (1 - h)))
  sqrt(diag(bread %*% meat %*% bread))
}

coef_table <- function(tab, terms, robust = NULL) {
  out <- list()
  for (i in seq_along(terms)) {
    row <- list(estimate = tab[i, 1], se = tab[i, 2], p = tab[i, 4])
    if (!is.null(robust)) row$se_hc3 <- unname(robust[i])
    out[[terms[i]]] <- row
  }
  out
}

glm_stats <- function(fit) {
  s <- summary(fit)
  list(
    loglik = as.numeric(logLik(fit)), aic = AIC(fit), deviance = deviance(fit),
    null_deviance = fit$null.deviance, df_resid = fit$df.residual, scale = s$dispersion,
    pearson_dispersion = sum(residuals(fit, "pearson")^2) / fit$df.residual
  )
}

gee_entry <- function(fit, terms, spec, call) {
  s <- summary(fit)
  tab <- s$coefficients
  naive <- sqrt(diag(fit$geese$vbeta.naiv))
  coefs <- list()
  for (i in seq_along(terms)) {
    coefs[[terms[i]]] <- list(
      estimate = tab[i, "Estimate"], se_robust = tab[i, "Std.err"],
      p = tab[i, "Pr(>|W|)"], se_naive = naive[i]
    )
  }
  alpha <- if (length(fit$geese$alpha)) unname(fit$geese$alpha[1]) else 0
  list(
    r_call = call, spec = spec, coefficients = coefs,
    statistics = list(
      scale = unname(fit$geese$gamma[1]), working_correlation = alpha,
      n_clusters = length(unique(fit$id)), max_cluster_size = max(table(fit$id))
    )
  )
}

write_json_file <- function(x, path) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE), path)
}

# ---- birthwt: logistic and Gaussian GLM, risk difference ------------------------------------
bw <- birthwt
bw$race <- c("white", "black", "other")[bw$race]
bw_out <- data.frame(
  participant_id = seq_len(nrow(bw)), smoke = bw$smoke, age = bw$age, race = bw$race,
  low = bw$low, bwt = bw$bwt
)
write.csv(bw_out, "glm_birthwt.csv", row.names = FALSE)
bw_out$smoke_f <- factor(bw_out$smoke, levels = c(0, 1))
bw_out$race_f <- factor(bw_out$race, levels = c("black", "other", "white"))
terms_bw <- c("Intercept", "arm[1]", "age", "race[other]", "race[white]")

logit_call <- "glm(low ~ smoke_f + age + race_f, family = binomial, data = glm_birthwt.csv)"
logit <- glm(low ~ smoke_f + age + race_f, family = binomial, data = bw_out)
gauss_call <- "glm(bwt ~ smoke_f + age + race_f, family = gaussian, data = glm_birthwt.csv)"
gauss <- glm(bwt ~ smoke_f + age + race_f, family = gaussian, data = bw_out)

# Newcombe hybrid score CI of p(smoker) - p(non-smoker): Wilson intervals without continuity
# correction combined (Newcombe 1998, method 10); p from the uncorrected Pearson chi-square.
ev1 <- sum(bw_out$low[bw_out$smoke == 1]); n1 <- sum(bw_out$smoke == 1)
ev0 <- sum(bw_out$low[bw_out$smoke == 0]); n0 <- sum(bw_out$smoke == 0)
w1 <- prop.test(ev1, n1, correct = FALSE)$conf.int
w0 <- prop.test(ev0, n0, correct = FALSE)$conf.int
p1 <- ev1 / n1; p0 <- ev0 / n0
rd <- list(
  arm = "1", estimate = p1 - p0,
  ci_low = p1 - p0 - sqrt((p1 - w1[1])^2 + (w0[2] - p0)^2),
  ci_high = p1 - p0 + sqrt((w1[2] - p1)^2 + (p0 - w0[1])^2),
  p = prop.test(c(ev1, ev0), c(n1, n0), correct = FALSE)$p.value,
  n_arm = n1, events_arm = ev1, n_control = n0, events_control = ev0,
  r_call = "prop.test(x, n, correct = FALSE) per arm (Wilson) and for the pair (chi-square)"
)
spec_bw <- function(outcome, family, se = "classical") list(
  model = "glm", outcome = outcome, family = family, participant = "participant_id",
  arm = "smoke", control = "0", covariates = c("age", "race"), se = se
)
write_json_file(list(
  source = "MASS::birthwt (Hosmer & Lemeshow), race coded white/black/other as text",
  versions = versions, csv = "glm_birthwt.csv", rows = nrow(bw_out),
  models = list(
    logistic = list(
      r_call = logit_call, spec = spec_bw("low", "binomial"),
      coefficients = coef_table(summary(logit)$coefficients, terms_bw, hc3(logit)),
      statistics = glm_stats(logit), risk_difference = rd,
      hc3_call = "bread %*% crossprod(X * (u / (1 - h))) %*% bread (= sandwich::vcovHC HC3)"
    ),
    gaussian = list(
      r_call = gauss_call, spec = spec_bw("bwt", "gaussian"),
      coefficients = coef_table(summary(gauss)$coefficients, terms_bw, hc3(gauss)),
      statistics = glm_stats(gauss)
    )
  )
), "glm_birthwt.json")

# ---- quine: negative binomial and Poisson -------------------------------------------------
qn <- data.frame(
  participant_id = seq_len(nrow(quine)), Eth = as.character(quine$Eth),
  Sex = as.character(quine$Sex), Age = as.character(quine$Age), Days = quine$Days
)
write.csv(qn, "glm_quine.csv", row.names = FALSE)
terms_q <- c("Intercept", "arm[N]", "Sex[M]", "Age[F1]", "Age[F2]", "Age[F3]")
nb_call <- "MASS::glm.nb(Days ~ Eth + Sex + Age, data = glm_quine.csv)"
nb <- glm.nb(Days ~ Eth + Sex + Age, data = qn)
pois_call <- "glm(Days ~ Eth + Sex + Age, family = poisson, data = glm_quine.csv)"
pois_q <- glm(Days ~ Eth + Sex + Age, family = poisson, data = qn)
spec_q <- function(family) list(
  model = "glm", outcome = "Days", family = family, participant = "participant_id",
  arm = "Eth", control = "A", covariates = c("Sex", "Age")
)
nb_stats <- glm_stats(nb)
nb_stats$theta <- nb$theta
nb_stats$theta_se <- nb$SE.theta
nb_stats$aic <- nb$aic
nb_stats$twologlik <- nb$twologlik
write_json_file(list(
  source = "MASS::quine (Aboriginal school absence), factors written as their labels",
  versions = versions, csv = "glm_quine.csv", rows = nrow(qn),
  models = list(
    negative_binomial = list(
      r_call = nb_call, spec = spec_q("negative_binomial"),
      coefficients = coef_table(summary(nb)$coefficients, terms_q), statistics = nb_stats
    ),
    poisson = list(
      r_call = pois_call, spec = spec_q("poisson"),
      coefficients = coef_table(summary(pois_q)$coefficients, terms_q),
      statistics = glm_stats(pois_q)
    )
  )
), "glm_quine.json")

# ---- epilepsy (geepack::seizure) long: 8-week baseline + four 2-week periods --------------
sz <- seizure
sz$participant_id <- seq_len(nrow(sz))
long <- do.call(rbind, lapply(0:4, function(v) {
  counts <- if (v == 0) sz$base else sz[[paste0("y", v)]]
  data.frame(
    participant_id = sz$participant_id, visit = v,
    arm = ifelse(sz$trt == 1, "progabide", "placebo"), age = sz$age,
    post = as.integer(v > 0), trt_post = as.integer(v > 0 & sz$trt == 1),
    weeks = ifelse(v == 0, 8, 2), seizures = counts
  )
}))
long <- long[order(long$participant_id, long$visit), ]
write.csv(long, "gee_epilepsy.csv", row.names = FALSE)
long$arm_f <- factor(long$arm, levels = c("placebo", "progabide"))
terms_e <- c("Intercept", "arm[progabide]", "post", "trt_post")
f_e <- seizures ~ arm_f + post + trt_post + offset(log(weeks))
pe <- glm(f_e, family = poisson, data = long)
qpe <- glm(f_e, family = quasipoisson, data = long)
spec_e <- function(model, extra = list()) c(list(
  model = model, outcome = "seizures", family = "poisson", participant = "participant_id",
  arm = "arm", control = "placebo", covariates = c("post", "trt_post"),
  offset = list(column = "weeks", log = TRUE)
), extra)
gee_ex <- geeglm(f_e, family = poisson, data = long, id = participant_id,
                 corstr = "exchangeable")
gee_ind <- geeglm(f_e, family = poisson, data = long, id = participant_id,
                  corstr = "independence")
f_txt <- "seizures ~ arm + post + trt_post + offset(log(weeks))"
write_json_file(list(
  source = paste(
    "geepack::seizure (Thall & Vail 1990) made long: visit 0 = 8-week baseline count,",
    "visits 1-4 = 2-week counts; post = visit > 0; trt_post = post x progabide"
  ),
  versions = versions, csv = "gee_epilepsy.csv", rows = nrow(long),
  models = list(
    poisson = list(
      r_call = paste0("glm(", f_txt, ", family = poisson, data = gee_epilepsy.csv)"),
      spec = spec_e("glm", list(scale = "fixed")),
      coefficients = coef_table(summary(pe)$coefficients, terms_e, hc3(pe)),
      statistics = glm_stats(pe)
    ),
    quasipoisson = list(
      r_call = paste0("glm(", f_txt, ", family = quasipoisson, data = gee_epilepsy.csv)"),
      spec = spec_e("glm", list(scale = "pearson")),
      coefficients = coef_table(summary(qpe)$coefficients, terms_e),
      statistics = glm_stats(qpe)
    ),
    gee_exchangeable = gee_entry(gee_ex, terms_e, spec_e("gee", list(
      correlation = "exchangeable", scale = "pearson")),
      paste0("geepack::geeglm(", f_txt, ", family = poisson, data = gee_epilepsy.csv, ",
             "id = participant_id, corstr = \"exchangeable\")")),
    gee_independence = gee_entry(gee_ind, terms_e, spec_e("gee", list(
      correlation = "independence", scale = "pearson")),
      paste0("geepack::geeglm(", f_txt, ", family = poisson, data = gee_epilepsy.csv, ",
             "id = participant_id, corstr = \"independence\")"))
  )
), "gee_epilepsy.json")

# ---- respiratory: binary GEE --------------------------------------------------------------
rs <- respiratory
rs$participant_id <- rs$center * 100 + rs$id
rs <- rs[order(rs$participant_id, rs$visit), ]
rs_out <- data.frame(
  participant_id = rs$participant_id, visit = rs$visit, arm = as.character(rs$treat),
  sex = as.character(rs$sex), age = rs$age, baseline = rs$baseline, outcome = rs$outcome
)
write.csv(rs_out, "gee_respiratory.csv", row.names = FALSE)
rs_out$arm_f <- factor(rs_out$arm, levels = c("P", "A"))
terms_r <- c("Intercept", "arm[A]", "sex[M]", "age", "baseline")
f_r <- outcome ~ arm_f + sex + age + baseline
spec_r <- function(corr) list(
  model = "gee", outcome = "outcome", family = "binomial", participant = "participant_id",
  arm = "arm", control = "P", covariates = c("sex", "age", "baseline"), correlation = corr,
  scale = "pearson"
)
r_call_r <- function(corr) paste0(
  "geepack::geeglm(outcome ~ arm + sex + age + baseline, family = binomial, ",
  "data = gee_respiratory.csv, id = participant_id, corstr = \"", corr, "\")"
)
# Scale fixed at 1. geeglm(scale.fix = TRUE) in geepack 1.3.9 ignores scale.value: it fixes the
# scale at its starting value, mean((y - mu)^2 / V(mu)) at the glm start (1.000291 here, and
# with an offset computed without the offset). geese.fit with gm = 1 fixes it at 1, as the
# documentation of scale.value = 1 says; that is the reference for spec scale "fixed".
X_r <- model.matrix(~ arm_f + sex + age + baseline, rs_out)
fixed_fit <- geese.fit(X_r, rs_out$outcome, rs_out$participant_id, gm = 1, scale.fix = TRUE,
                       corstr = "exchangeable", family = binomial())
fixed_entry <- list(
  r_call = paste(
    "geepack::geese.fit(model.matrix(~ arm + sex + age + baseline), outcome, participant_id,",
    "gm = 1, scale.fix = TRUE, corstr = \"exchangeable\", family = binomial())"
  ),
  spec = modifyList(spec_r("exchangeable"), list(scale = "fixed")),
  coefficients = setNames(lapply(seq_along(terms_r), function(i) list(
    estimate = unname(fixed_fit$beta[i]), se_robust = sqrt(fixed_fit$vbeta[i, i]),
    se_naive = sqrt(fixed_fit$vbeta.naiv[i, i])
  )), terms_r),
  statistics = list(
    scale = unname(fixed_fit$gamma[1]), working_correlation = unname(fixed_fit$alpha[1]),
    n_clusters = length(unique(rs_out$participant_id)), max_cluster_size = 4
  )
)
write_json_file(list(
  source = "geepack::respiratory (Koch et al.), participant_id = center * 100 + id, arm P = placebo",
  versions = versions, csv = "gee_respiratory.csv", rows = nrow(rs_out),
  models = list(
    gee_exchangeable = gee_entry(
      geeglm(f_r, family = binomial, data = rs_out, id = participant_id,
             corstr = "exchangeable"), terms_r, spec_r("exchangeable"),
      r_call_r("exchangeable")),
    gee_independence = gee_entry(
      geeglm(f_r, family = binomial, data = rs_out, id = participant_id,
             corstr = "independence"), terms_r, spec_r("independence"),
      r_call_r("independence")),
    gee_exchangeable_scale_fixed = fixed_entry
  )
), "gee_respiratory.json")

# ---- dietox: Gaussian GEE -----------------------------------------------------------------
dx <- dietox
dx_out <- data.frame(
  participant_id = as.integer(as.character(dx$Pig)), Cu = as.character(dx$Cu),
  Evit = as.character(dx$Evit), Time = dx$Time, Weight = dx$Weight
)
dx_out <- dx_out[order(dx_out$participant_id, dx_out$Time), ]
write.csv(dx_out, "gee_dietox.csv", row.names = FALSE)
terms_d <- c("Intercept", "arm[Cu035]", "arm[Cu175]", "Time", "Evit[Evit100]", "Evit[Evit200]")
gd <- geeglm(Weight ~ Cu + Time + Evit, family = gaussian, data = dx_out, id = participant_id,
             corstr = "exchangeable")
write_json_file(list(
  source = "geepack::dietox (pig growth), Cu as the arm (Cu000 = control)",
  versions = versions, csv = "gee_dietox.csv", rows = nrow(dx_out),
  models = list(
    gee_exchangeable = gee_entry(gd, terms_d, list(
      model = "gee", outcome = "Weight", family = "gaussian", participant = "participant_id",
      arm = "Cu", control = "Cu000", covariates = c("Time", "Evit"),
      correlation = "exchangeable", scale = "pearson"),
      paste0("geepack::geeglm(Weight ~ Cu + Time + Evit, family = gaussian, data = gee_dietox.csv,",
             " id = participant_id, corstr = \"exchangeable\")"))
  )
), "gee_dietox.json")
