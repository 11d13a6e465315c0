using GpuSharing.Fakes.AmdSmi;

// A FAKE amd-smi for tests: state in $FAKE_AMDSMI_STATE, every invocation appended to $FAKE_AMDSMI_STATE.log.
var statePath = Environment.GetEnvironmentVariable("FAKE_AMDSMI_STATE");
if (string.IsNullOrEmpty(statePath) || !File.Exists(statePath))
{
    Console.Error.WriteLine("fake amd-smi: FAKE_AMDSMI_STATE must name an existing state file.");
    return 1;
}

File.AppendAllText(statePath + ".log", string.Join(' ', args) + Environment.NewLine);
using var store = FakeStore.Open(statePath);
return new FakeTool(store, Console.Out, Console.Error, Console.In).Run(args);
