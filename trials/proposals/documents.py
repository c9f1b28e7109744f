"""A proposal's documents (protocol, participant material, ethics approval, others).

The company adds and removes them while the proposal can be edited (draft, or changes
requested); afterwards they stay for the reviewers to read. The files themselves are
checked and stored by :mod:`livinglab.documents.services`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.documents.models import Document, DocumentKind
from livinglab.documents.services import Upload, delete_document, store_document
from livinglab.documents.storage import DocumentStore
from livinglab.errors import IllegalTransition, InvalidInput
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: The states in which the company may change the proposal and so its documents.
EDITABLE = frozenset({TrialStatus.DRAFT, TrialStatus.CHANGES_REQUESTED})
#: What a trial document can be (evidence belongs to the product instead).
TRIAL_DOCUMENT_KINDS = (
    DocumentKind.PROTOCOL,
    DocumentKind.PARTICIPANT_MATERIAL,
    DocumentKind.ETHICS_APPROVAL,
    DocumentKind.OTHER,
)
NOT_EDITABLE = (
    "Documents can only be added or deleted while the proposal is a draft or the "
    "reviewers have asked for changes."
)


def add_trial_document(
    session: Session,
    trial: Trial,
    *,
    actor: User,
    kind: DocumentKind,
    upload: Upload,
    store: DocumentStore | None = None,
) -> Document:
    """Check and store a document for the proposal; audited on the trial's timeline.

    Raises:
        IllegalTransition: the proposal cannot be changed now.
        NotPermitted: the actor is not a member of the trial's organisation.
        InvalidInput: on ``kind`` or ``file`` (see ``store_document``).
    """
    if trial.status not in EDITABLE:
        raise IllegalTransition(NOT_EDITABLE)
    if kind not in TRIAL_DOCUMENT_KINDS:
        raise InvalidInput("kind", "Select what the document is")
    return store_document(
        session,
        actor=actor,
        organisation_id=trial.organisation_id,
        kind=kind,
        upload=upload,
        trial_id=trial.id,
        store=store,
    )


def remove_trial_document(
    session: Session, trial: Trial, document: Document, *, actor: User
) -> str:
    """Delete one of the proposal's documents; audited. Returns the storage key to remove
    after the commit.

    Raises:
        IllegalTransition: the proposal cannot be changed now.
        NotPermitted: the actor is not a member of the trial's organisation.
    """
    if trial.status not in EDITABLE:
        raise IllegalTransition(NOT_EDITABLE)
    if document.trial_id != trial.id:
        raise ValueError("The document belongs to another trial.")
    return delete_document(session, document, actor=actor)
