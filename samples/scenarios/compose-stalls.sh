#!/usr/bin/env bash
# Stall footage for the street_vending scenarios, composed with ffmpeg from real photos a fresh
# machine has (scripts/fetch-samples.sh): a red-and-white vendor's parasol is drawn (it is the one
# thing no Debian sample shows) over
#   - labelme-examples' 2011_000003.jpg, two men squatting at a low table of food on the ground:
#     a street food stall (umbrella-stall.jpg; the picture is padded at the top to fit the canopy);
#   - OpenCV's vtest.avi, people walking across a plaza, the parasol standing on the walkway
#     (plaza-parasol.mp4): walkers pass it and under it, nobody stays.
# The default detector sees the drawn canopy as an umbrella (0.56 on the stall photo).
# Usage: compose-stalls.sh [OUT_DIR]   (default samples/cache/scenarios; existing files are kept)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-samples/cache/scenarios}
mkdir -p "$out"

# A half-ellipse canopy with a scalloped rim and 8 alternating stripes, centred (cx, cy) with
# half-axes a, b; $1..$4 = cx cy a b. Prints geq expressions for r, g, b and the inside test.
canopy() {
  local cx=$1 cy=$2 a=$3 b=$4
  inside="lte(pow((X-$cx)/$a\,2)+pow((Y-$cy)/$b\,2)\,1)*lte(Y\,$cy+$((b / 10))*abs(sin((X-$cx)/$a*3*PI)))"
  stripe="mod(floor(atan2($cy+$((b / 5))-Y\,X-$cx)/(PI/8))\,2)"
}

stall=$out/umbrella-stall.jpg
if [ ! -s "$stall" ]; then
  canopy 360 150 150 105
  ffmpeg -nostdin -loglevel error -y -i samples/cache/labelme/annotated/2011_000003.jpg -filter_complex \
    "pad=iw:ih+120:0:120:color=0x8a8f96,drawbox=x=357:y=150:w=6:h=240:color=0x3a3a3a:t=fill,format=rgb24,geq=r='if($inside\,if($stripe\,200\,240)\,r(X\,Y))':g='if($inside\,if($stripe\,30\,235)\,g(X\,Y))':b='if($inside\,if($stripe\,40\,225)\,b(X\,Y))'" \
    -frames:v 1 -q:v 2 "$stall"
fi

plaza=$out/plaza-parasol.mp4
if [ ! -s "$plaza" ]; then
  # The parasol drawn on a transparent 140x150 tile (canopy centred at (70, 60)), laid on the walkway at (500, 190).
  canopy 70 60 68 48
  pole="between(X\,68\,71)*gte(Y\,60)"
  ffmpeg -nostdin -loglevel error -y -i samples/cache/opencv/vtest.avi -filter_complex \
    "color=c=black@0:s=140x150:d=1,format=rgba,geq=r='if($inside\,if($stripe\,200\,240)\,58)':g='if($inside\,if($stripe\,30\,235)\,58)':b='if($inside\,if($stripe\,40\,225)\,58)':a='if($inside+$pole\,255\,0)'[p];[0:v][p]overlay=500:190" \
    -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -an "$plaza"
fi
