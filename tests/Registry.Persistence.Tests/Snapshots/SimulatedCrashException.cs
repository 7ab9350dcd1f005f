namespace Registry.Persistence.Tests.Snapshots;

/// <summary>Thrown to simulate the process dying; deliberately not an IOException so the store cannot catch it.</summary>
public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException(string step)
        : base($"simulated crash at {step}")
    {
    }
}
