#!/usr/bin/env bash
# What "check a screenshot of a job offer" needs, each checked and installed on its own: Debian's
# Tesseract and the trained data of every language the portal serves (a machine may have
# Tesseract with English only). Without them the page says the feature is unavailable.
set -euo pipefail

# Tesseract's code for each portal language -> the Debian package that carries it. English comes
# with tesseract-ocr itself; Filipino is "fil" since tessdata 4.1 (bookworm has no -tgl).
declare -A packages=(
  [eng]=tesseract-ocr-eng [ind]=tesseract-ocr-ind [vie]=tesseract-ocr-vie
  [msa]=tesseract-ocr-msa [fil]=tesseract-ocr-fil [tha]=tesseract-ocr-tha
  [khm]=tesseract-ocr-khm [lao]=tesseract-ocr-lao [mya]=tesseract-ocr-mya
)

apt_packages=()
installed=""
if command -v tesseract >/dev/null; then
  installed="$(tesseract --list-langs 2>/dev/null | tail -n +2 || true)"
else
  apt_packages+=(tesseract-ocr)
fi
missing_langs=()
for lang in eng ind vie msa fil tha khm lao mya; do
  if [[ $'\n'"$installed"$'\n' != *$'\n'"$lang"$'\n'* ]]; then
    missing_langs+=("$lang")
    apt_packages+=("${packages[$lang]}")
  fi
done

if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${apt_packages[*]} for screenshot reading${missing_langs:+ (no trained data for: ${missing_langs[*]})}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  else
    echo "note: missing ${apt_packages[*]}; screenshot reading is unavailable and its tests will fail or be skipped (apt-get install ${apt_packages[*]})"
  fi
fi
