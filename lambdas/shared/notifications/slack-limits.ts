/**
 * Slack's documented Block Kit limits the renderer keeps to by trimming (never by a rejected post).
 * Sources (Slack developer docs, Block Kit reference):
 * - blocks: "You can include up to 50 blocks in each message" (https://docs.slack.dev/reference/block-kit/blocks);
 * - header block: text "Maximum length for the text in this field is 150 characters"
 *   (https://docs.slack.dev/reference/block-kit/blocks/header-block);
 * - section block: text "Maximum length for the text in this field is 3000 characters"; fields "Maximum
 *   number of items is 10. Maximum length for the text in each item is 2000 characters"
 *   (https://docs.slack.dev/reference/block-kit/blocks/section-block);
 * - context block: elements "Maximum number of items is 10"
 *   (https://docs.slack.dev/reference/block-kit/blocks/context-block);
 * - block_id: "Maximum length for this field is 255 characters" (every block's reference page).
 * Characters are counted as JavaScript string length (UTF-16 code units), which is never fewer
 * than the characters Slack counts.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  /** Context elements are text objects; their text is held to the section limit. */
  contextElementText: 3000,
  blockId: 255,
  /**
   * The top-level `text` is the notification fallback when blocks are given. Slack truncates a
   * message's text past 40,000 characters (chat.postMessage, "Truncating content"); the renderer
   * keeps it to one line anyway.
   */
  fallbackText: 3000,
} as const;
