using GpuSharing.Benchmarks;

// Placement benchmark: prints, for each seeded workload, the engine's figures beside the lower bounds and the
// baselines measured in the same run. Usage: dotnet run -c Release --project tests/Benchmarks [-- --quick]
var quick = args.Contains("--quick");
return PlacementBenchmark.Run(Console.Out, quick) ? 0 : 1;
