/*
 * A small C interface to LAME for the WebAssembly build used by mp3.ts:
 * mono CBR streams with a chosen algorithm quality (lame_set_quality), which
 * the packaged wasm-media-encoders build does not expose.
 */
#include <lame/lame.h>
#include <stdlib.h>
#include <emscripten.h>

typedef struct {
  lame_global_flags *lame;
  float *pcm;
  int pcm_capacity;
  unsigned char *out;
  int out_capacity;
} Encoder;

EMSCRIPTEN_KEEPALIVE
void encoder_free(Encoder *e) {
  if (!e) return;
  if (e->lame) lame_close(e->lame);
  free(e->pcm);
  free(e->out);
  free(e);
}

/* NULL when LAME refuses the settings (or memory runs out). */
EMSCRIPTEN_KEEPALIVE
Encoder *encoder_create(int sample_rate, int kbps, int quality) {
  Encoder *e = calloc(1, sizeof(Encoder));
  if (!e) return NULL;
  e->lame = lame_init();
  if (!e->lame) goto fail;
  lame_set_num_channels(e->lame, 1);
  lame_set_mode(e->lame, MONO);
  lame_set_in_samplerate(e->lame, sample_rate);
  lame_set_out_samplerate(e->lame, sample_rate);
  lame_set_VBR(e->lame, vbr_off);
  lame_set_brate(e->lame, kbps);
  lame_set_quality(e->lame, quality);
  /* A plain stream of frames: no Xing/LAME header, no ID3 tags. */
  lame_set_bWriteVbrTag(e->lame, 0);
  lame_set_write_id3tag_automatic(e->lame, 0);
  if (lame_init_params(e->lame) < 0) goto fail;
  return e;
fail:
  encoder_free(e);
  return NULL;
}

/* Room for `samples` input samples; the caller writes them there, then calls encoder_encode. */
EMSCRIPTEN_KEEPALIVE
float *encoder_input(Encoder *e, int samples) {
  if (samples > e->pcm_capacity) {
    float *grown = realloc(e->pcm, (size_t)samples * sizeof(float));
    if (!grown) return NULL;
    e->pcm = grown;
    e->pcm_capacity = samples;
  }
  return e->pcm;
}

/* LAME's worst case for a call of n samples (lame.h: 1.25 * n + 7200). */
static int reserve_output(Encoder *e, int samples) {
  int needed = samples + samples / 4 + 7200;
  if (needed > e->out_capacity) {
    unsigned char *grown = realloc(e->out, (size_t)needed);
    if (!grown) return 0;
    e->out = grown;
    e->out_capacity = needed;
  }
  return 1;
}

EMSCRIPTEN_KEEPALIVE
unsigned char *encoder_output(Encoder *e) { return e->out; }

/* Encodes the first `samples` of the input buffer; bytes written to the output buffer, or < 0 on error. */
EMSCRIPTEN_KEEPALIVE
int encoder_encode(Encoder *e, int samples) {
  if (!reserve_output(e, samples)) return -100;
  return lame_encode_buffer_ieee_float(e->lame, e->pcm, e->pcm, samples, e->out, e->out_capacity);
}

/* The last frames; the stream is complete afterwards. */
EMSCRIPTEN_KEEPALIVE
int encoder_flush(Encoder *e) {
  if (!reserve_output(e, 0)) return -100;
  return lame_encode_flush(e->lame, e->out, e->out_capacity);
}
