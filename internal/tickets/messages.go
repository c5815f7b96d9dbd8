package tickets

// Message IDs of the errors this package returns (the views translate them)
// and of the mail it sends. Placeholders are named in Data.
const (
	MsgSubjectRequired   = "tickets.subject_required"    // invalid
	MsgSubjectTooLong    = "tickets.subject_too_long"    // invalid; Data["Max"]
	MsgBodyRequired      = "tickets.body_required"       // invalid
	MsgBodyTooLong       = "tickets.body_too_long"       // invalid; Data["Max"]
	MsgNotText           = "tickets.not_text"            // invalid: broken UTF-8 or control characters
	MsgTopicInvalid      = "tickets.topic_invalid"       // invalid
	MsgNameInvalid       = "tickets.name_invalid"        // invalid; Data["Max"]
	MsgEmailInvalid      = "tickets.email_invalid"       // invalid
	MsgEmailNotASCII     = "tickets.email_not_ascii"     // invalid: not ASCII before the @ (mail.ErrLocalNotASCII)
	MsgTooManyFiles      = "tickets.too_many_files"      // invalid; Data["Max"]
	MsgFileTooLarge      = "tickets.file_too_large"      // invalid; Data["Name"], Data["MaxMB"]
	MsgFileType          = "tickets.file_type"           // invalid; Data["Name"]
	MsgFileEmpty         = "tickets.file_empty"          // invalid; Data["Name"]
	MsgTooManyTickets    = "tickets.too_many_tickets"    // rate_limited: per address and per e-mail alike
	MsgAlreadySent       = "tickets.already_sent"        // conflict: a replayed form; Data["Reference"]
	MsgAccessDenied      = "tickets.access_denied"       // forbidden: unknown reference or wrong key, alike
	MsgTooManyAttempts   = "tickets.too_many_attempts"   // rate_limited: too many wrong access keys for a reference
	MsgNotAllowed        = "tickets.not_allowed"         // forbidden: not for this viewer (or this ticket's state)
	MsgRatingInvalid     = "tickets.rating_invalid"      // invalid: score outside 1–5, or comment too long
	MsgStatusNotAllowed  = "tickets.status_not_allowed"  // forbidden/invalid: status change not allowed
	MsgPriorityInvalid   = "tickets.priority_invalid"    // invalid
	MsgAgentInvalid      = "tickets.agent_invalid"       // invalid: assignee is not a desk agent
	MsgScheduleInvalid   = "tickets.schedule_invalid"    // invalid: expiry before release or in the past
	MsgNoteRequired      = "tickets.note_required"       // invalid: empty internal note
	MsgNotFound          = "tickets.not_found"           // not_found: attachment, canned reply
	MsgCannedInvalid     = "tickets.canned_invalid"      // invalid: canned reply without title or body, or unknown language
	MsgTopicNameRequired = "tickets.topic_name_required" // invalid: a topic needs a key and an English name

	MailCreatedSubject = "tickets.mail.created.subject" // Data: Portal, Reference
	MailCreatedBody    = "tickets.mail.created.body"    // Data: Portal, Reference, Link
	MailReplySubject   = "tickets.mail.reply.subject"   // Data: Portal, Reference
	MailReplyBody      = "tickets.mail.reply.body"      // Data: Portal, Reference, Link
)
