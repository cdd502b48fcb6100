#!/usr/bin/env bats
# brig scan's version ordering (src/audit/version.c): dpkg's against the
# real `dpkg --compare-versions` on generated pairs, apk's against a table
# written from apk's version rules.  See docs/audit.md.

bats_require_minimum_version 1.5.0

setup() {
	VERCMP=${BRIG_BUILD:?}/tests/unit/audit/audit_vercmp
	[ -x "$VERCMP" ] || skip "audit_vercmp not built"
	command -v python3 >/dev/null || skip "python3 is needed to generate the pairs"
}

@test "dpkg ordering agrees with dpkg --compare-versions on 2400 generated pairs" {
	command -v dpkg >/dev/null || skip "dpkg is not installed (the oracle)"
	run python3 - "$VERCMP" <<-'PY'
		import random, subprocess, sys
		rnd = random.Random(20261206)
		def num():
		    k = rnd.random()
		    if k < 0.1: return "0" * rnd.randint(1, 3) + str(rnd.randint(0, 9))
		    if k < 0.2: return "".join(rnd.choice("0123456789") for _ in range(rnd.randint(15, 40)))
		    return str(rnd.randint(0, 12))
		def run(alpha):
		    return "".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 3)))
		def part(alpha, first_digit):
		    s = num() if first_digit else ""
		    for _ in range(rnd.randint(0, 4)):
		        s += run(alpha) + (num() if rnd.random() < 0.7 else "")
		    return s or "0"
		def version():
		    v = ""
		    if rnd.random() < 0.3: v += str(rnd.choice([0, 1, 2, 10, 99999])) + ":"
		    v += part("ab.+~zAZ~.", True)
		    if rnd.random() < 0.6: v += "-" + part("ab.+~z~", rnd.random() < 0.8)
		    return v
		def similar(v):
		    # small edits make near-equal pairs (equal, one more ~, one more digit ...)
		    c = rnd.choice(["same", "tilde", "plus", "digit", "letter", "zero", "epoch", "norev"])
		    if c == "same": return v
		    if c == "tilde": return v + "~" + run("ab")
		    if c == "plus": return v + "+" + run("ab1")
		    if c == "digit": return v + str(rnd.randint(0, 9))
		    if c == "letter": return v + rnd.choice("aZ")
		    if c == "zero": return v.replace("1", "01", 1)
		    if c == "epoch": return "0:" + v if ":" not in v else v
		    return v.split("-")[0]
		pairs = []
		for i in range(2400):
		    a = version()
		    b = similar(a) if i % 2 else version()
		    pairs.append((a, b))
		inp = "".join("dpkg %s %s\n" % p for p in pairs)
		ours = subprocess.run([sys.argv[1]], input=inp, capture_output=True, text=True, check=True).stdout.split()
		assert len(ours) == len(pairs), "audit_vercmp answered %d of %d" % (len(ours), len(pairs))
		bad = 0
		for (a, b), o in zip(pairs, ours):
		    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0: want = -1
		    elif subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0: want = 0
		    else: want = 1
		    if int(o) != want:
		        bad += 1
		        print("MISMATCH %s vs %s: dpkg %d, brig %s" % (a, b, want, o))
		eq = sum(1 for o in ours if o == "0")
		print("pairs %d equal %d mismatches %d" % (len(pairs), eq, bad))
		sys.exit(1 if bad else 0)
	PY
	echo "$output" | tail -5
	[ "$status" -eq 0 ] || { echo "$output" | head -40; false; }
	[[ $output == *"pairs 2400 "*"mismatches 0"* ]] || false
}

@test "apk ordering follows apk's version rules (written table)" {
	# A < B for each row; each row is also checked reversed and against itself.
	table='1.0 1.1
1.2 1.2.1
1.2.9 1.2.10
1.2 1.10
1.0_alpha 1.0_beta
1.0_beta 1.0_pre
1.0_pre 1.0_rc
1.0_rc 1.0
1.0_rc1 1.0_rc2
1.0_rc9 1.0_rc10
1.0_alpha1 1.0
1.0 1.0_cvs
1.0_cvs 1.0_svn
1.0_svn 1.0_git
1.0_git 1.0_hg
1.0_hg 1.0_p
1.0 1.0_p1
1.0_p1 1.0_p2
1.0 1.0-r1
1.0-r1 1.0-r2
1.0-r9 1.0-r10
1.0_rc1-r5 1.0
1.0_rc1 1.0_rc1-r1
1.0-r99 1.0.1
1.0-r5 1.0_p1
1.2 1.2a
1.2a 1.2b
1.2a 1.2.1
1.2z 1.3
1.01 1.1
1.001 1.01
2.0_beta3 2.0_rc1
3.1.2-r0 3.1.2-r1
3.0.8-r0 3.0.10-r0
1.36.1-r2 1.36.1-r15
20230101 20240101'
	input=
	while read -r a b; do
		input+="apk $a $b"$'\n'"apk $b $a"$'\n'"apk $a $a"$'\n'
	done <<<"$table"
	run "$VERCMP" <<<"${input%$'\n'}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	want=
	while read -r a b; do want+=$'-1\n1\n0\n'; done <<<"$table"
	[ "$output" = "${want%$'\n'}" ] || { paste <(printf %s "$input") <(printf %s "$output") | awk '{print}' ; false; }
}
