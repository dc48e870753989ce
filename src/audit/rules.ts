/**
 * The audit log in words: each action as what its person did, so an entry reads as a sentence
 * ("Amira Okafor accepted the gateway for Ellie Parker (ULN 1000000043): all checks met").
 * Pure: the people and records named come from the store.
 */

/** What was done, after the person's name; the record it was done to follows. */
export const ACTION_WORDS: Readonly<Record<string, string>> = {
  'api_token.created': 'issued an API token',
  'api_token.revoked': 'revoked an API token',
  'appeal.lodged': 'lodged an appeal',
  'appeal.upheld': 'upheld the appeal',
  'appeal.not_upheld': 'did not uphold the appeal',
  'apprentice.created': 'added the apprentice',
  'apprentice.erased': 'erased the personal data',
  'apprentice.personal_data_exported': 'exported the personal data',
  'apprentice.uln_corrected': 'corrected the ULN',
  'apprentice.updated': 'edited the record',
  'apprentices.imported': 'imported apprentices',
  'assessor.profile_saved': 'saved the assessor profile',
  'assessor.unavailable': 'recorded leave',
  'attempt.exceptional_circumstances': 'accepted exceptional circumstances',
  'attempt.first_started': 'started the assessment',
  'attempt.resit_started': 'started a resit',
  'attempt.retake_started': 'started a retake',
  'attempt.start_moved': 'moved the start of the attempt',
  'attempt.started': 'started an attempt',
  'behaviour_verification.recorded': 'verified the behaviours',
  'booking.cancelled': 'cancelled the booking',
  'booking.completed': 'completed the booking',
  'booking.confirmed': 'confirmed the booking',
  'booking.declined': 'declined the booking',
  'booking.expired': 'let the hold expire',
  'booking.held': 'held a booking',
  'booking.marking_recorded': 'recorded the provider’s marking',
  'booking.place_changed': 'changed where the booking takes place',
  'booking.rescheduled': 'rescheduled the booking',
  'booking.voided': 'voided the booking',
  'booking.restored_on_appeal': 'put the booking back as it was, on appeal',
  'case.opened': 'opened a malpractice or maladministration case',
  'case.investigator_assigned': 'assigned the investigator of a malpractice or maladministration case',
  'case.decided': 'decided a malpractice or maladministration case',
  'case.result_held': 'named a result a malpractice or maladministration case holds',
  'case.hold_ended': 'ended a malpractice or maladministration case’s hold on a result',
  'case.set_aside_on_appeal': 'set aside a malpractice or maladministration decision on appeal',
  'calendar.issued': 'issued a calendar link',
  'calendar.revoked': 'revoked the calendar link',
  'certificate_delivery.recorded': 'recorded where the certificate goes',
  'claim.marked': 'marked the certificate claimed',
  'claim.refused_by_service': 'had a claim refused by the apprenticeship service',
  'claim.sent': 'sent the claim to the apprenticeship service',
  'claims.send_failed': 'could not reach the apprenticeship service',
  'conflict.declared': 'declared a conflict of interest',
  'earlier_episode.recorded': 'recorded an earlier episode',
  'earlier_episode.removed': 'removed an earlier episode',
  'employer.added': 'added the employer',
  'flexibility_judgement.recorded': 'recorded the English and maths flexibility judgement',
  'flexibility_judgement.withdrawn': 'withdrew the English and maths flexibility judgement',
  'further_attempt.agreed': 'agreed the resit or retake',
  'further_attempt.declined': 'declined the resit or retake',
  'further_attempt.requested': 'asked for a resit or retake',
  'further_attempt.withdrawn': 'withdrew the request for a resit or retake',
  'gateway.accepted': 'accepted the gateway',
  'gateway.rejected': 'rejected the gateway',
  'gateway.submitted': 'requested EPA',
  'gateway_declaration.apprentice_confirmed': 'confirmed the apprentice’s declaration',
  'gateway_declaration.certificate_permission_confirmed': 'confirmed permission to apply for the certificate',
  'gateway_declaration.employer_confirmed': 'confirmed the employer’s declaration',
  'gateway_declaration.provider_confirmed': 'confirmed the provider’s declaration',
  'gateway_declaration.withdrawn': 'withdrew a declaration',
  'gateway_item.provided': 'recorded a gateway item',
  'grading.appeal_changed': 'changed the grading on appeal',
  'grading.draft_saved': 'saved a draft grading',
  'grading.moderation_agreed': 'agreed the grading in moderation',
  'grading.moderation_changed': 'changed the grading in moderation',
  'grading.outcome_decided': 'decided the outcome',
  'grading.submitted': 'submitted the grading',
  'grading.sanction_undone': 'undid a sanction’s change to the grading, on appeal',
  'learning_break.recorded': 'recorded a break in learning',
  'learning_break.removed': 'removed a break in learning',
  'off_the_job.corrected': 'corrected an off-the-job entry',
  'off_the_job.logged': 'logged off-the-job hours',
  'off_the_job.removed': 'removed an off-the-job entry',
  'plan.imported': 'imported the assessment plan',
  'plan.replaced': 'replaced the assessment plan',
  'plan.published': 'published, from the plan builder, the assessment plan',
  'plan.option_plan_followed': 'moved the apprentices on its option to the assessment plan',
  'evidence.uploaded': 'uploaded a file to the evidence store',
  'evidence.moved': 'moved an assessment’s evidence to its new booking',
  'plan_draft.started': 'started the plan draft',
  'plan_draft.changed': 'changed the plan draft',
  'plan_draft.discarded': 'discarded the plan draft',
  'prior_learning.recorded': 'recorded prior learning',
  'provider.added': 'added the provider',
  'request.made': 'made a request for an adjustment or special consideration',
  'request.decided': 'decided a request for an adjustment or special consideration',
  'request.withdrawn': 'withdrew a request for an adjustment or special consideration',
  'request.reopened_on_appeal': 'reopened, on an upheld appeal, a request for an adjustment or special consideration',
  'qualification.added': 'added an English or maths qualification',
  'result.released': 'released the result',
  'schedule.committed': 'booked the proposed schedule',
  'schedule.discarded': 'discarded the proposed schedule',
  'schedule.proposed': 'proposed a schedule',
  'settings.saved': 'saved the settings',
  'standard.imported': 'imported the standard',
  'standard.approval_recorded': 'recorded whether we are approved to assess the standard',
  'standard.updated_from_catalogue': 'updated, from the national catalogue, the standard',
  'standard.off_the_job_minimum_recorded': 'recorded the off-the-job minimum',
  'standard.qualification_number_recorded': 'recorded the qualification number',
  'user.created': 'added the user',
  'user.disabled': 'disabled the account',
  'user.enabled': 'enabled the account',
  'user.marker_permission_given': 'allowed marking',
  'user.external_reviewer_marked': 'marked as an external appeal reviewer',
  'user.external_reviewer_unmarked': 'no longer marked as an external appeal reviewer',
  'user.marker_permission_removed': 'stopped marking',
  'user.password_changed': 'changed the password',
  'user.password_reset_issued': 'issued a password reset link',
  'user.password_reset_used': 'set a new password through a reset link',
  'user.sessions_ended': 'ended the sessions',
  'user.signed_in': 'signed in',
};

/** An action no entry above names: its own words, dots and underscores as spaces ("booking held"). */
export function actionWords(action: string): string {
  return Object.hasOwn(ACTION_WORDS, action) ? ACTION_WORDS[action]! : `recorded “${action.replace(/[._]/g, ' ')}”`;
}

/** The record an entry is about, as the store found it: its words and its page, if it has one. */
export interface AuditSubject {
  /** "Ellie Parker (ULN 1000000043)", "Gareth Pryce"; null for the organisation's own records (its settings). */
  text: string | null;
  /** Which of the subject's records, when it has several: "booking 12", "attempt 2". */
  detail: string | null;
  href: string | null;
}

/** A sentence in three parts, so a page can link the record's name: `lead`, then `named`, then `tail`. */
export interface AuditSentence {
  lead: string;
  /** The record's words (null when the sentence names none: the settings, or a person's own account). */
  named: string | null;
  tail: string;
  text: string;
}

/**
 * The entry as a sentence: who, what, for whom, which record, and why ("Amira Okafor accepted
 * the gateway for Ellie Parker (ULN 1000000043), gateway request 3: every check met"). A person
 * acting on their own account is not named twice ("Gareth Pryce changed the password").
 */
export function auditSentence(
  who: string,
  action: string,
  subject: AuditSubject,
  reason: string | null,
): AuditSentence {
  const named = subject.text === null || subject.text === who ? null : subject.text;
  const lead = `${who} ${actionWords(action)}${named ? ' for ' : ''}`;
  const tail = `${subject.detail ? `, ${subject.detail}` : ''}${reason ? `: ${reason}` : ''}`;
  return { lead, named, tail, text: `${lead}${named ?? ''}${tail}` };
}
