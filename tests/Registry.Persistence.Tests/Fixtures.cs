namespace Registry.Persistence.Tests;

/// <summary>Locates the Go-written fixture files copied next to the test assembly.</summary>
public static class Fixtures
{
    public static string Go(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "go", name);
}
