using GpuSharing.Benchmarks;
using GpuSharing.Benchmarks.Serving;

// Placement benchmark (default): the engine's figures beside the lower bounds and the baselines measured in the same
// run. Serving benchmark (--serving): admission, gateway overhead and goodput per GPU on simulated servers, each
// beside its baseline from the same run. Usage: dotnet run -c Release --project tests/Benchmarks [-- --serving] [--quick]
var quick = args.Contains("--quick");
return args.Contains("--serving")
    ? await ServingBenchmark.RunAsync(Console.Out, quick) ? 0 : 1
    : PlacementBenchmark.Run(Console.Out, quick) ? 0 : 1;
