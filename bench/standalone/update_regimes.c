/* update_regimes.c - time one stochastic pulsed update (BL 31, update
 * management) of a 512x512 tile at batch 64 in the two regimes of issue 4:
 * dense (lr 0.1, x, d ~ U(-1,1)) and MNIST-like (lr 0.01, x ~ U(0,1),
 * d ~ U(+-0.01)), for an ideal constant-step device (model 0) or aihwkit's
 * soft bounds with its default c2c noise (model 1). A timing program, not a
 * test; `xbar bench` will absorb it.
 * Build (not built by default): make bench_update_regimes   (in a build folder)
 * Run:   ./bench_update_regimes THREADS REGIME(0 dense, 1 mnist) MODEL(0 constant step, 1 soft bounds) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "xbar.h"
static double now(void){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int threads=atoi(argv[1]), regime=atoi(argv[2]), model=atoi(argv[3]);
  xbar_set_threads(threads);
  size_t m=512,n=512,B=64;
  xbar_tile_config c=xbar_tile_config_defaults(m,n);
  c.device = model? xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS): xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
  if(!model){c.device.dw_min=0.001f;}
  xbar_tile *t=xbar_tile_new(&c); if(!t){puts(xbar_last_error());return 1;}
  float *X=malloc(4*B*n),*D=malloc(4*B*m); float lr;
  float u[4];
  for(size_t k=0;k<B*n;k++){xbar_rng_uniform4(u,1,1,k); X[k]= regime==0? 2*u[0]-1 : u[0];}
  for(size_t k=0;k<B*m;k++){xbar_rng_uniform4(u,1,2,k); D[k]= regime==0? 2*u[0]-1 : 0.02f*u[0]-0.01f;}
  lr = regime==0? 0.1f:0.01f;
  xbar_tile_update(t,X,D,B,lr);
  int reps = regime==0? 3: (argc > 4 ? atoi(argv[4]) : 20); double t0=now(); uint64_t p0=xbar_tile_pulse_count(t);
  for(int r=0;r<reps;r++) xbar_tile_update(t,X,D,B,lr);
  double dt=(now()-t0)/reps;
  printf("threads %d regime %s model %s: %.1f ms/update, %.3g pulses/update\n",threads,regime?"mnist":"dense",model?"soft_bounds":"constant_step",dt*1e3,(double)(xbar_tile_pulse_count(t)-p0)/reps);
}
