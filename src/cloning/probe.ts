/**
 * The text a voice is rendered on when the similarity scorer compares it by name
 * (`POST /v1/audio/similarity`, a `candidate` that names a voice). Fixed, so that scores of
 * one voice are comparable from request to request: the words said move the features a
 * little (speaking rate, the vowels' share), and the same words every time keep that
 * constant. Two plain declarative sentences of common words and most English vowels,
 * about 8 s of speech at an ordinary pace (espeak's en-us voices take 8–9 s).
 *
 * English only: voices of other languages read the same English text through their own
 * phonemizer. The scorer measures the voice (pitch, timbre, resonances), not the language,
 * so the comparison still holds, but such a voice's score reflects its accent on English
 * words too.
 */
export const PROBE_TEXT =
  'A traveller came along the road on a cold morning, wrapped in a thick woollen cloak. ' +
  'The wind and the sun agreed that whoever made him take it off would be the stronger.';
