package dev.idempotency.gateway.web;

/** A part of a request that can count towards its fingerprint. */
public enum FingerprintPart {

    METHOD, PATH, QUERY, CONTENT_TYPE, BODY
}
