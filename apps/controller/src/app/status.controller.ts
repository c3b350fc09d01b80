import { Controller, Get } from '@nestjs/common';
import { ControllerService } from './controller.service';

/** `GET /status`: this replica, whether it leads (and who does), and what its last pass did. */
@Controller()
export class StatusController {
  constructor(private readonly controller: ControllerService) {}

  @Get('status')
  status() {
    return this.controller.status();
  }
}
