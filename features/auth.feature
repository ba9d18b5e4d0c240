@core
Feature: Authenticating to the user endpoint

  Scenario: No credentials are refused with a Bearer challenge
    When I send GET to the user endpoint
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the key "detail"
    And the body's "detail" should be "Authentication credentials were not provided."
