/** Constant bitrates LAME accepts, in kbit/s: the only values `--mp3-bitrate` takes (anything else would be rounded). */
export const MP3_BITRATES = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
export type Mp3Bitrate = (typeof MP3_BITRATES)[number];
