# shellcheck shell=bash
# RFC 3161 timestamps for the trust tests (docs/trust-sigstore.md).
#
# tsa_make DIR [NAME]: a TSA for the tests, made with openssl: DIR/NAME-ca.crt (its
# root), DIR/NAME.crt and DIR/NAME.key (the TSA, extended key usage timeStamping,
# critical) and DIR/NAME.cnf (openssl ts -reply's configuration).
tsa_make() {
	local d=$1 n=${2:-tsa}
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$n root" -keyout "$d/$n-ca.key" -out "$d/$n-ca.crt" 2>/dev/null || return 1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" \
		-keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null || return 1
	printf 'extendedKeyUsage = critical,timeStamping\nkeyUsage = critical,digitalSignature\n' >"$d/$n.ext"
	openssl x509 -req -in "$d/$n.csr" -CA "$d/$n-ca.crt" -CAkey "$d/$n-ca.key" -CAcreateserial \
		-days 30 -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null || return 1
	cat >"$d/$n.cnf" <<-CNF
		[ tsa ]
		default_tsa = tsa_config
		[ tsa_config ]
		serial = $d/$n.serial
		signer_cert = $d/$n.crt
		signer_key = $d/$n.key
		signer_digest = sha256
		default_policy = 1.2.3.4.1
		digests = sha256, sha384, sha512
		accuracy = secs:1
		ess_cert_id_alg = sha256
	CNF
	echo 01 >"$d/$n.serial"
}

# tsa_stamp DIR NAME DATA OUT: OUT is NAME's TimeStampResp (DER) over the file DATA,
# its certificate included.
tsa_stamp() {
	openssl ts -query -data "$3" -sha256 -cert -out "$4.tsq" 2>/dev/null &&
		openssl ts -reply -config "$1/$2.cnf" -queryfile "$4.tsq" -out "$4" 2>/dev/null
}

# tsa_bundle DIR NAME IN OUT: the bundle IN with NAME's timestamp over its
# DSSE signature's bytes added (timestampVerificationData), as OUT.
tsa_bundle() {
	/usr/bin/python3 - "$3" "$3.sig" <<-'PY' || return 1
		import base64, json, sys
		b = json.load(open(sys.argv[1]))
		open(sys.argv[2], "wb").write(base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"]))
	PY
	tsa_stamp "$1" "$2" "$3.sig" "$3.tsr" || return 1
	/usr/bin/python3 - "$3" "$3.tsr" "$4" <<-'PY'
		import base64, json, sys
		b = json.load(open(sys.argv[1]))
		ts = base64.b64encode(open(sys.argv[2], "rb").read()).decode()
		b["verificationMaterial"]["timestampVerificationData"] = {"rfc3161Timestamps": [{"signedTimestamp": ts}]}
		json.dump(b, open(sys.argv[3], "w"))
	PY
}
