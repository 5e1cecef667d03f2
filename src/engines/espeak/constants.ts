/** espeak-ng's fixed output rate. */
export const ESPEAK_SAMPLE_RATE = 22050;
