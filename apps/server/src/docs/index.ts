/**
 * `@parley/server/docs`: what another package needs to record a sequence diagram into docs/ARCHITECTURE.md (the
 * cluster package records the call across two nodes with it): the recorder's actors and payload abbreviation, and
 * the writing of a `<!-- recorded:NAME -->` block into the documents.
 */
export { renderDocument } from './diagrams.js';
export { Actor, callRowChanges, SequenceRecorder, type CallRowState, type Endpoint, type Frame, type Json } from './sequence.js';
export { architectureDocs } from './write.js';
