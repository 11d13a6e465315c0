using System.Globalization;
using GpuSharing.KServe.Benchmarks;

// dotnet run -c Release --project tests/KServe.Benchmarks [deployments, default 10000]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
return await KServeBenchmark.RunAsync(count);
