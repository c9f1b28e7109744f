# Reference numbers for the subgroup interaction tests. Run from the repo root:
#   Rscript tests/evaluation/reference/r/paired_subgroups_reference.R
library(jsonlite)
d <- read.csv("tests/evaluation/reference/anorexia.csv")
d$heavier <- ifelse(d$baseline > median(d$baseline), "yes", "no")
d$y01 <- as.integer(d$outcome > d$baseline)
d$arm <- relevel(factor(d$arm), "Cont")
f <- anova(lm(outcome ~ arm + baseline + heavier, d), lm(outcome ~ arm * heavier + baseline, d))
g <- anova(glm(y01 ~ arm + baseline + heavier, binomial, d), glm(y01 ~ arm * heavier + baseline, binomial, d), test = "LRT")
within <- lapply(split(d, d$heavier), function(s) { m <- summary(lm(outcome ~ arm + baseline, s))$coefficients; list(estimate = as.list(m[c("armCBT", "armFT"), 1]), se = as.list(m[c("armCBT", "armFT"), 2])) })
res <- list(source = "tests/evaluation/reference/anorexia.csv (MASS::anorexia); heavier = baseline above its median (yes/no), y01 = outcome > baseline; both derived in R as written in r_setup",
  r_setup = c('d <- read.csv("anorexia.csv")', 'd$heavier <- ifelse(d$baseline > median(d$baseline), "yes", "no")', 'd$y01 <- as.integer(d$outcome > d$baseline)', 'd$arm <- relevel(factor(d$arm), "Cont")'),
  r_calls = c("anova(lm(outcome ~ arm + baseline + heavier, d), lm(outcome ~ arm * heavier + baseline, d))",
              "anova(glm(y01 ~ arm + baseline + heavier, binomial, d), glm(y01 ~ arm * heavier + baseline, binomial, d), test = 'LRT')",
              "summary(lm(outcome ~ arm + baseline, s))$coefficients for s in split(d, d$heavier)"),
  versions = list(R = R.version.string),
  f_test = list(F = f$F[2], df1 = f$Df[2], df2 = f$Res.Df[2], p = f$`Pr(>F)`[2]),
  lr_test = list(deviance = g$Deviance[2], df = g$Df[2], p = g$`Pr(>Chi)`[2]),
  within = within)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/evaluation/reference/r/paired_subgroups_anorexia.json")
