#!/bin/sh
# The demo: an App Container Image built from busybox-static, validated, its
# manifest and image ID printed, then fetched into a local store, listed and
# rendered, and run as a pod of two apps sharing a volume and a PID namespace.
# Everything goes under ./demo/.
set -eu

ORBIT=${1:-build/src/orbit/orbit}
DEMO=${DEMO_DIR:-demo}
BUSYBOX=/bin/busybox

case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=aarch64 ;;
    i?86) arch=i386 ;;
    *) arch=$(uname -m) ;;
esac

rm -rf "$DEMO/layout"
mkdir -p "$DEMO/layout/rootfs/bin" "$DEMO/layout/rootfs/etc" "$DEMO/layout/rootfs/tmp"
cp "$BUSYBOX" "$DEMO/layout/rootfs/bin/busybox"
for applet in sh echo cat ls sleep true env id hostname ps wc test; do
    ln -s busybox "$DEMO/layout/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$DEMO/layout/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$DEMO/layout/rootfs/etc/group"
cat > "$DEMO/layout/manifest" <<JSON
{
    "acKind": "ImageManifest",
    "acVersion": "0.8.11",
    "name": "example.com/busybox",
    "labels": [
        {"name": "version", "value": "1.0.0"},
        {"name": "os", "value": "linux"},
        {"name": "arch", "value": "$arch"}
    ],
    "app": {
        "exec": ["/bin/sh", "-c", "echo hello from \$AC_APP_NAME"],
        "user": "0",
        "group": "0"
    },
    "annotations": [
        {"name": "created", "value": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
    ]
}
JSON

echo "==> orbit image build $DEMO/layout $DEMO/busybox.aci"
"$ORBIT" image build --overwrite "$DEMO/layout" "$DEMO/busybox.aci"
echo "==> orbit image validate $DEMO/busybox.aci"
"$ORBIT" image validate "$DEMO/busybox.aci"
echo "==> orbit image cat-manifest --pretty-print $DEMO/busybox.aci"
"$ORBIT" image cat-manifest --pretty-print "$DEMO/busybox.aci"
echo "==> orbit image id $DEMO/busybox.aci"
"$ORBIT" image id "$DEMO/busybox.aci"

# The store: a local data directory under the demo, never the system's.
DATA="$DEMO/data"
echo "==> orbit --dir=$DATA --insecure-options=image fetch $DEMO/busybox.aci"
"$ORBIT" --dir="$DATA" --insecure-options=image fetch "$DEMO/busybox.aci"
echo "==> orbit --dir=$DATA image list"
"$ORBIT" --dir="$DATA" image list
echo "==> orbit --dir=$DATA image render --overwrite --rootfs-only example.com/busybox:1.0.0 $DEMO/rendered"
"$ORBIT" --dir="$DATA" image render --overwrite --rootfs-only example.com/busybox:1.0.0 "$DEMO/rendered"
ls "$DEMO/rendered/bin" | head -5

# A pod of two apps from the image: the writer leaves a greeting in a shared
# empty volume, the reader waits for it and shows the processes it can see.
echo "==> orbit --dir=$DATA run (a pod of two apps: writer and reader)"
"$ORBIT" --dir="$DATA" --insecure-options=image run --volume=shared,kind=empty \
    example.com/busybox:1.0.0 --name=writer --mount=volume=shared,target=/shared \
    --exec=/bin/sh -- -c 'echo "hello from $AC_APP_NAME in $(hostname)" > /shared/greeting; sleep 1' \
    --- example.com/busybox:1.0.0 --name=reader --mount=volume=shared,target=/shared \
    --exec=/bin/sh -- -c 'while ! test -f /shared/greeting; do sleep 0.1; done;
        cat /shared/greeting; echo "$AC_APP_NAME sees $(ps -o pid | wc -l) lines of ps in the pod"'
echo "==> orbit --dir=$DATA list"
"$ORBIT" --dir="$DATA" list
echo "==> orbit --dir=$DATA gc --grace-period=0"
"$ORBIT" --dir="$DATA" gc --grace-period=0
