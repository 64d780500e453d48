# Reference values for panel_effects' models (tests/panels/test_panel_effects_lmertest.py).
# R 4.x with lme4 and lmerTest (Debian r-cran-lme4, r-cran-lmertest). Run from this folder:
#   Rscript panel_effects_reference.R > panel_effects_output.txt
# The variables are built here from the study's own tables (study/, written by
# make_panel_study.py), independently of interviewlab: ratings whose candidate or rater has no
# recorded sex are left out; same = rater shares the candidate's sex; share = the
# candidate's mean of same; diversity = distinct rater sexes among the candidate's raters.
suppressPackageStartupMessages(library(lmerTest))
cat("# R", R.version$major, ".", R.version$minor, " lme4 ", format(packageVersion("lme4")),
    " lmerTest ", format(packageVersion("lmerTest")), "\n", sep = "")
read <- function(name) {
  read.csv(file.path("study", name), na.strings = c("", "NA"), stringsAsFactors = FALSE)
}
cand <- read("candidates.csv")[, c("candidate_id", "sex", "internal")]
names(cand)[2] <- "csex"
raters <- read("raters.csv")[, c("rater_id", "sex", "role", "trained")]
names(raters)[2] <- "rsex"
d <- merge(merge(read("ratings.csv"), cand, by = "candidate_id"), raters, by = "rater_id")
d <- d[!is.na(d$csex) & !is.na(d$rsex), ]
d$same <- as.numeric(d$csex == d$rsex)
d$share <- ave(d$same, d$candidate_id, FUN = mean)
d$diversity <- ave(match(d$rsex, unique(d$rsex)), d$candidate_id,
                   FUN = function(x) length(unique(x)))
# reference levels as interviewlab sorts them (C-locale order: "HR" before "hiring manager")
levels_c <- function(x) factor(x, levels = sort(unique(x), method = "radix"))
d$csex <- levels_c(d$csex)
d$format <- levels_c(d$format)
d$role <- levels_c(d$role)
random <- "(1 | candidate_id) + (1 | rater_id) + (1 | question_id)"
fits <- list(
  # the main model
  main = "same + share + diversity + internal + csex + format",
  # similar-to-me per candidate group: same and share replaced by their products with
  # each group's indicator
  by_group = "csex:same + csex:share + diversity + internal + csex + format",
  # internal by rater role: internal replaced by its products with each role's
  # indicator, the role's main effect added
  by_role = "same + share + diversity + csex + format + role + role:internal",
  # similar-to-me by training: trained and same x trained added
  by_training = "same + share + diversity + internal + csex + format + trained + same:trained"
)
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))
cat("# ratings used", nrow(d), "candidates", length(unique(d$candidate_id)),
    "raters", length(unique(d$rater_id)), "\n")
for (name in names(fits)) {
  formula <- as.formula(paste("score ~", fits[[name]], "+", random))
  m <- lmer(formula, data = d, REML = TRUE, control = ctrl)
  co <- summary(m, ddf = "Satterthwaite")$coefficients
  out <- data.frame(model = name, term = rownames(co), estimate = co[, "Estimate"],
                    se = co[, "Std. Error"], df = co[, "df"], t = co[, "t value"],
                    p_value = co[, "Pr(>|t|)"], row.names = NULL)
  cat("# model", name, ": score ~", fits[[name]], "+", random, "\n")
  write.csv(format(out, digits = 12), row.names = FALSE, quote = FALSE)
  vc <- as.data.frame(VarCorr(m))
  cat("# variances", name, paste(vc$grp, format(vc$vcov, digits = 12), sep = "=", collapse = " "), "\n")
  cat("# REML loglik", name, format(as.numeric(logLik(m)), digits = 12), "\n")
}
