import FleetCLI
import FleetCommandSupport

runCommand(FleetCommand.self)
