/// Whatever a user types, loading gives a config or a ConfigError, never an exception: random edits of
/// the shipped quickstart file and of override strings (fixed seed, so failures reproduce).
module Research.Experiments.Tests.RobustnessTests

open System
open System.IO
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private noise = "[]{}:,'\"&*!|>-#%@`\t\n ?=~+0.9aZ_"

/// Deletes, inserts or duplicates a few characters at random places.
let private mutate (rng: Random) (text: string) =
    let mutable t = text
    for _ in 1 .. rng.Next(1, 4) do
        let i = rng.Next(0, t.Length)
        t <-
            match rng.Next 3 with
            | 0 -> t.Remove(i, min (rng.Next(1, 6)) (t.Length - i))
            | 1 -> t.Insert(i, string noise[rng.Next noise.Length])
            | _ -> t.Insert(i, t.Substring(i, min 8 (t.Length - i)))
    t

[<Tests>]
let tests =
    testList
        "Robustness"
        [ test "random edits of a config file never throw" {
              let rng = Random 7
              let original = File.ReadAllText(experiment "base.yaml")
              let outcomes =
                  withFiles [] (fun dir ->
                      [ for i in 1 .. 300 ->
                            let path = Path.Combine(dir, sprintf "m%d.yaml" i)
                            File.WriteAllText(path, mutate rng original)
                            try
                                match Config.loadIn dir path [] with
                                | Ok _ -> "ok"
                                | Error e ->
                                    Expect.isLessThanOrEqual (e.Text.Split('\n').Length) 2 "one or two lines"
                                    "error"
                            with ex ->
                                failtestf "mutation %d threw %s: %s\n---\n%s" i (ex.GetType().Name) ex.Message (File.ReadAllText path) ])
              Expect.isTrue (List.contains "error" outcomes) "some mutations are refused"
              Expect.isTrue (List.contains "ok" outcomes) "some mutations (e.g. in comments) still load"
          }
          test "random override strings never throw" {
              let rng = Random 11
              let seeds = [ "model.poto.alpha=0.6"; "+a.b=[1,2]"; "name='x, y'"; "~eval.period"; "input.pixel_mean=[1,2,3]"; "data.val={kind: synthetic}" ]
              for i in 1 .. 400 do
                  let text = mutate rng seeds[i % seeds.Length]
                  try
                      Config.loadIn repoRoot quickstart [ text ] |> ignore
                      Sweep.expandIn repoRoot quickstart [ text ] |> ignore
                  with ex ->
                      failtestf "override %A threw %s: %s" text (ex.GetType().Name) ex.Message
          } ]
