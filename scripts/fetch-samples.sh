#!/usr/bin/env bash
# Real sample media that any Debian machine can get, extracted from Debian packages into
# samples/cache/ (not committed; see samples/README.md for what each file is and its licence).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=samples/cache

# fetch PKG SUBDIR FILE... : extract FILEs (paths inside the package) into $cache/SUBDIR.
fetch() {
  local pkg=$1 subdir=$2; shift 2
  local dest=$cache/$subdir done=1
  for f in "$@"; do [ -s "$dest/$(basename "$f")" ] || done=0; done
  [ $done -eq 1 ] && return 0
  printf '[setup] extracting %s samples from the Debian package %s\n' "$subdir" "$pkg" >&2
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  # apt-get download needs package lists; a fresh machine may have none yet.
  if ! (cd "$work" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
    (cd "$work" && apt-get download -qq "$pkg" >/dev/null 2>&1) || { echo "cannot download Debian package $pkg" >&2; exit 1; }
  fi
  dpkg-deb -x "$work"/"$pkg"_*.deb "$work/root"
  mkdir -p "$dest"
  for f in "$@"; do cp "$work/root/$f" "$dest/"; done
}

fetch darknet darknet \
  usr/share/darknet/data/dog.jpg usr/share/darknet/data/person.jpg usr/share/darknet/data/horses.jpg \
  usr/share/darknet/data/eagle.jpg usr/share/darknet/data/giraffe.jpg usr/share/darknet/data/kite.jpg

fetch opencv-doc opencv \
  usr/share/doc/opencv-doc/examples/data/vtest.avi usr/share/doc/opencv-doc/examples/data/aero1.jpg \
  usr/share/doc/opencv-doc/examples/data/aero3.jpg

# Real labelled images (PASCAL VOC 2011 photos annotated with labelme) in three label formats,
# for the evaluation tests.
lm=usr/share/doc/labelme-examples/examples
fetch labelme-examples labelme/annotated \
  $lm/bbox_detection/data_annotated/2011_000003.jpg $lm/bbox_detection/data_annotated/2011_000003.json \
  $lm/bbox_detection/data_annotated/2011_000006.jpg $lm/bbox_detection/data_annotated/2011_000006.json \
  $lm/bbox_detection/data_annotated/2011_000025.jpg $lm/bbox_detection/data_annotated/2011_000025.json
fetch labelme-examples labelme/voc \
  $lm/bbox_detection/data_dataset_voc/Annotations/2011_000003.xml $lm/bbox_detection/data_dataset_voc/Annotations/2011_000006.xml \
  $lm/bbox_detection/data_dataset_voc/Annotations/2011_000025.xml
fetch labelme-examples labelme/coco $lm/instance_segmentation/data_dataset_coco/annotations.json

# Stall footage for the street_vending scenarios, composed with ffmpeg from the samples above.
bash samples/scenarios/compose-stalls.sh
