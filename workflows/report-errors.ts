/** Error type of a recipient the mail server refused for good (5xx): retrying will not help. */
export const RECIPIENT_REJECTED = 'RecipientRejected';
