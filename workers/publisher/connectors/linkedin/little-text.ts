/**
 * LinkedIn's "little text" format for a post's commentary: these characters are markup there
 * (mentions, hashtags as templates, …) and must be escaped with a backslash to come out as written;
 * unescaped, LinkedIn may cut the text at them.
 */
const RESERVED = /[\\|{}@[\]()<>#*_~]/g;

export const littleText = (text: string) => text.replace(RESERVED, (ch) => `\\${ch}`);
