using GpuSharing.Chaos;

// dotnet tests/Chaos/bin/Release/net10.0/Chaos.dll [-long] [-seed N] [-logs DIR]   (build first: dotnet build -c Release)
var settings = new ChaosSettings(
    Long: args.Contains("-long", StringComparer.Ordinal),
    Seed: args.SkipWhile(a => a != "-seed").Skip(1).Select(int.Parse).FirstOrDefault(20261201));
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var logs = args.SkipWhile(a => a != "-logs").Skip(1).FirstOrDefault();
var report = await new ChaosSuite(settings, Console.Out, logs).RunAsync(cancel.Token);
Console.WriteLine(report.Describe());
return report.Violations().Count == 0 ? 0 : 1;
