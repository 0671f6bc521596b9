/* read_io.c - time forward + backward of an NxN tile at batch B (default 64)
 * through the default (aihwkit 0.9.0) IO model, against the plain sgemm pair.
 * A timing program, not a test; `xbar bench` will absorb it.
 * Build (not built by default): make bench_read_io   (in a build folder)
 * Run:   ./bench_read_io THREADS N [B] */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>
#include "xbar.h"
static double now(void){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int threads=atoi(argv[1]); size_t N=atoi(argv[2]), B=argc>3?(size_t)atoi(argv[3]):64; xbar_set_threads(threads);
  xbar_tile_config c=xbar_tile_config_defaults(N,N); c.device=xbar_device_ideal(XBAR_DEV_CONSTANT_STEP); c.device.w_max=1; c.device.w_min=-1;
  xbar_tile *t=xbar_tile_new(&c); float *W=malloc(4*N*N),*X=malloc(4*B*N),*Y=malloc(4*B*N); float u[4];
  for(size_t k=0;k<N*N;k++){xbar_rng_uniform4(u,1,3,k); W[k]=(2*u[0]-1)*0.1f;} xbar_tile_set_weights(t,W,N);
  for(size_t k=0;k<B*N;k++){xbar_rng_uniform4(u,1,4,k); X[k]=2*u[0]-1;}
  int reps=B<16?500:50; xbar_tile_forward(t,Y,X,B); double t0=now();
  for(int r=0;r<reps;r++){xbar_tile_forward(t,Y,X,B); xbar_tile_backward(t,Y,X,B);} double dt=(now()-t0)/reps;
  t0=now(); for(int r=0;r<reps;r++){cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasTrans,B,N,N,1,X,N,W,N,0,Y,N); cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,B,N,N,1,X,N,W,N,0,Y,N);} double ds=(now()-t0)/reps;
  printf("threads %d %zux%zu batch %zu: forward+backward default IO %.2f ms, plain sgemm pair %.2f ms (%.0f%%)\n",threads,N,N,B,dt*1e3,ds*1e3,100*ds/dt);
}
