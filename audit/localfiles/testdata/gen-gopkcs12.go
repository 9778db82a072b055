//go:build ignore

// Command gen-gopkcs12 writes a PFX with go-pkcs12's Modern2023 encoder, for
// gen-pfx.sh: go run gen-gopkcs12.go LEAF.pem LEAF.key CA.pem OUT.pfx PASSWORD
package main

import (
	"crypto/x509"
	"encoding/pem"
	"log"
	"os"

	"software.sslmate.com/src/go-pkcs12"
)

func main() {
	if len(os.Args) != 6 {
		log.Fatal("usage: go run gen-gopkcs12.go LEAF.pem LEAF.key CA.pem OUT.pfx PASSWORD")
	}
	leaf := readCert(os.Args[1])
	ca := readCert(os.Args[3])
	block := readPEM(os.Args[2])
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		log.Fatal(err)
	}
	pfx, err := pkcs12.Modern2023.Encode(key, leaf, []*x509.Certificate{ca}, os.Args[5])
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(os.Args[4], pfx, 0o644); err != nil {
		log.Fatal(err)
	}
}

func readPEM(path string) *pem.Block {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		log.Fatalf("%s: no PEM block", path)
	}
	return block
}

func readCert(path string) *x509.Certificate {
	c, err := x509.ParseCertificate(readPEM(path).Bytes)
	if err != nil {
		log.Fatal(err)
	}
	return c
}
