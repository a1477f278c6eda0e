package domain

// DecodeUnchecked exposes the codec without the rules of the event types
// to the external tests of the codec's round trip, which seal arbitrary
// payloads.
var DecodeUnchecked = decodeUnchecked
