#!/bin/sh
# Regenerates the simulator's TEST certificates (a CA and a server certificate for 127.0.0.1 and
# localhost). Run from this folder; commit the three PEM files. Never use them outside tests.
set -eu
DAYS=9125 # 25 years
openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days "$DAYS" -subj '/CN=Fleet simulator TEST CA (never for production)' \
  -addext 'basicConstraints=critical,CA:TRUE,pathlen:0' -addext 'keyUsage=critical,keyCertSign,cRLSign' -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
openssl req -new -key server-key.pem -subj '/CN=127.0.0.1' -out server.csr
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
  'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days "$DAYS" -extfile server.ext -out server.pem
# the CA key is not kept: nothing else is ever signed with this CA (regenerate all three files instead)
rm -f server.csr server.ext ca.srl ca-key.pem
